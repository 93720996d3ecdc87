//! The catalog of rule ids: every rule a comparison may report, with the
//! one-line summary `docs/rules.md` is generated from.

/// Every rule id with a one-line summary (the catalog in `docs/rules.md`).
pub const RULES: &[(&str, &str)] = &[
    (
        "operation-removed",
        "An operation (method and path) is gone.",
    ),
    (
        "deprecated-operation-removed",
        "A deprecated operation is gone.",
    ),
    ("operation-added", "A new operation."),
    ("operation-deprecated", "An operation is marked deprecated."),
    (
        "operation-undeprecated",
        "An operation is no longer deprecated.",
    ),
    ("parameter-added", "A new optional parameter."),
    (
        "required-parameter-added",
        "A new required parameter. A path parameter named in the path template is never new: clients always sent it, declared or not.",
    ),
    ("parameter-removed", "A parameter is gone."),
    (
        "parameter-made-required",
        "An optional parameter became required.",
    ),
    (
        "parameter-made-optional",
        "A required parameter became optional.",
    ),
    ("request-body-added", "A request body where there was none."),
    (
        "required-request-body-added",
        "A required request body where there was none.",
    ),
    ("request-body-removed", "The request body is gone."),
    (
        "request-body-made-required",
        "The request body became required.",
    ),
    (
        "request-body-made-optional",
        "The request body became optional.",
    ),
    (
        "media-type-removed",
        "A request or response media type is gone.",
    ),
    ("media-type-added", "A new request or response media type."),
    (
        "response-success-status-removed",
        "A 2xx response is gone. Also when another 2xx takes its place (Twilio 2.0.0 → 2.6.6 answers four `POST`s with 200 instead of 201): generated clients and tests that check for the status they were promised fail.",
    ),
    ("response-status-removed", "A non-2xx response is gone."),
    ("response-status-added", "A new response status."),
    (
        "response-header-removed",
        "A required response header is gone: clients were promised it on every response. (Response header schemas are compared like response bodies; `Content-Type` is ignored, as OpenAPI says.)",
    ),
    (
        "optional-response-header-removed",
        "An optional response header is gone.",
    ),
    (
        "response-header-added",
        "A new response header (names compare in any case, as RFC 9110 says). Breaking only when required in a webhook's response: receivers must now send it.",
    ),
    (
        "response-header-made-required",
        "A response header is now sent on every response.",
    ),
    (
        "response-header-made-optional",
        "A response header is no longer sent on every response.",
    ),
    (
        "operation-id-changed",
        "An operation's `operationId` changed, was added or removed: no request changes, but generated clients name their methods after it.",
    ),
    (
        "security-requirement-added",
        "A new way of authenticating is required. Also when the description only starts to declare what the service always demanded (OpenAI 2023-09 adds a global `ApiKeyAuth` to 23 operations that needed a key all along): Treaty judges the description, clients generated from the old one send no credentials, and a producer who knows the service did not change says so by waiving the finding in a proposal.",
    ),
    (
        "security-requirement-removed",
        "A way of authenticating is no longer accepted or needed.",
    ),
    (
        "security-scope-added",
        "A security requirement needs more scopes.",
    ),
    (
        "security-scope-removed",
        "A security requirement needs fewer scopes.",
    ),
    ("type-narrowed", "The type accepts fewer kinds of values."),
    ("type-widened", "The type accepts more kinds of values."),
    ("type-changed", "The type is another one."),
    (
        "nullable-added",
        "null becomes a valid value. In OpenAPI 3.0, `nullable: true` written beside a `$ref` changes nothing: the specification ignores every sibling of a Reference Object, and Treaty follows it, although OpenAI's 3.0 descriptions write it 13 times and Twilio's 2.0.0 ones 46 times (with `type`). Mark the referenced schema itself nullable instead.",
    ),
    (
        "nullable-removed",
        "null is no longer a valid value. (`nullable` beside a `$ref` in OpenAPI 3.0 is ignored: see nullable-added.) In OpenAPI 3.1, `nullable` is not a keyword at all: the specification decides, so `type: integer, nullable: true` in a 3.1 document does not accept null, and a document moved from 3.0 to 3.1 that keeps writing it loses null wherever it does (OpenAI 2024-12 → 2026-08: 57 fields); the message says so. Write `type: [integer, \"null\"]`. In 3.0, `nullable: true` beside a `oneOf` with no `type` allows nothing either (3.0.3: only if `type` is explicitly defined in the same Schema Object), although popular tools read it as nullable; OpenAI 2024-08 turns `content: {type: string, nullable: true}` into that, and the message says why.",
    ),
    ("enum-value-added", "An enum gains a value."),
    ("enum-value-removed", "An enum loses a value."),
    ("enum-added", "Values are restricted to an enum."),
    ("enum-removed", "An enum restriction is lifted."),
    ("const-added", "The value is fixed by `const`."),
    ("const-removed", "A `const` restriction is lifted."),
    ("const-changed", "The `const` value changed."),
    ("format-added", "A `format` restricts the values."),
    ("format-removed", "A `format` restriction is lifted."),
    (
        "format-changed",
        "The `format` changed. Judged by the value spaces of the two formats where Treaty knows both; `float` → `double` in a response is breaking, because OpenAPI defines them as IEEE 754 binary32 and binary64 and a reader holding binary32 cannot represent every new value (OpenAI 2024-12 → 2026-08, 4 times; a reader that parses into 64-bit floats is not affected).",
    ),
    ("pattern-added", "A `pattern` restricts the values."),
    ("pattern-removed", "A `pattern` restriction is lifted."),
    ("pattern-changed", "The `pattern` changed."),
    (
        "maximum-decreased",
        "The maximum (or its exclusivity) tightened.",
    ),
    ("maximum-increased", "The maximum loosened."),
    ("maximum-added", "A maximum where there was none."),
    ("maximum-removed", "The maximum is gone."),
    ("minimum-increased", "The minimum tightened."),
    ("minimum-decreased", "The minimum loosened."),
    ("minimum-added", "A minimum where there was none."),
    ("minimum-removed", "The minimum is gone."),
    (
        "multiple-of-changed",
        "`multipleOf` changed, was added or removed.",
    ),
    (
        "max-length-decreased",
        "`maxLength` tightened or was added.",
    ),
    (
        "max-length-increased",
        "`maxLength` loosened or was removed.",
    ),
    (
        "min-length-increased",
        "`minLength` tightened or was added.",
    ),
    (
        "min-length-decreased",
        "`minLength` loosened or was removed.",
    ),
    ("max-items-decreased", "`maxItems` tightened or was added."),
    ("max-items-increased", "`maxItems` loosened or was removed."),
    ("min-items-increased", "`minItems` tightened or was added."),
    ("min-items-decreased", "`minItems` loosened or was removed."),
    (
        "max-properties-decreased",
        "`maxProperties` tightened or was added.",
    ),
    (
        "max-properties-increased",
        "`maxProperties` loosened or was removed.",
    ),
    (
        "min-properties-increased",
        "`minProperties` tightened or was added.",
    ),
    (
        "min-properties-decreased",
        "`minProperties` loosened or was removed.",
    ),
    ("unique-items-added", "Array items must be unique."),
    ("unique-items-removed", "Array items may repeat."),
    (
        "required-property-added",
        "A property became required, or a required property was added. Breaking for a data contract even when the property has a `default`, which Confluent's registry accepts: the specification never fills in defaults when validating, so old documents without the property are invalid.",
    ),
    (
        "required-property-removed",
        "A property is no longer required.",
    ),
    ("property-removed", "A required property is gone."),
    (
        "optional-property-removed",
        "An optional property is gone: its name is now judged by `additionalProperties` or a pattern. Removing one declared `false` from a closed model changes nothing and is not reported.",
    ),
    (
        "optional-property-added",
        "A new optional property: on a closed model it widens; on an open one it narrows (a document with that name and another value was valid); on a partly open one its schema is compared with the `additionalProperties` or pattern schema that judged the name.",
    ),
    (
        "additional-properties-narrowed",
        "Properties beyond the listed ones are no longer allowed.",
    ),
    (
        "additional-properties-widened",
        "Properties beyond the listed ones become allowed.",
    ),
    (
        "pattern-property-added",
        "A `patternProperties` pattern judges the names it matches (instead of `additionalProperties`), declared ones too.",
    ),
    (
        "pattern-property-removed",
        "A `patternProperties` pattern no longer judges the names it matches.",
    ),
    (
        "evaluated-properties-changed",
        "Subschemas evaluate other properties than before, so `unevaluatedProperties` judges others: Treaty cannot prove the effect and reports it both ways.",
    ),
    (
        "items-narrowed",
        "Array items at a position, or beyond the listed ones, accept less: `items` added to an array that had none, `additionalItems: false`, a tuple longer.",
    ),
    (
        "items-widened",
        "Array items at a position, or beyond the listed ones, accept more: `items` removed, a tuple shorter.",
    ),
    (
        "evaluated-items-changed",
        "Subschemas evaluate other items than before, so `unevaluatedItems` judges others: Treaty cannot prove the effect and reports it both ways.",
    ),
    (
        "contains-added",
        "Arrays must contain an item matching a schema (`contains`).",
    ),
    ("contains-removed", "The `contains` requirement is gone."),
    (
        "contains-changed",
        "The `contains` schema changed beside `maxContains`: Treaty cannot prove which arrays keep the count and reports it both ways.",
    ),
    (
        "contains-count-narrowed",
        "`minContains` rose or `maxContains` fell (or was added).",
    ),
    (
        "contains-count-widened",
        "`minContains` fell or `maxContains` rose (or was removed).",
    ),
    (
        "not-added",
        "Values must not match a schema (`not`). A `not` kept is compared the other way round: its schema accepting less widens.",
    ),
    ("not-removed", "A `not` restriction is gone."),
    (
        "all-of-branch-added",
        "One more `allOf` branch that Treaty could not fold into its schema (two patterns, two closed models...).",
    ),
    (
        "all-of-branch-removed",
        "An `allOf` branch kept apart is gone.",
    ),
    (
        "dependency-added",
        "When a property is present, more names are required or a schema applies (`dependentRequired`, `dependentSchemas`, `dependencies`).",
    ),
    (
        "dependency-removed",
        "A property's presence requires fewer names or no schema.",
    ),
    (
        "conditional-added",
        "An `if`/`then`/`else` condition (or its `then` or `else`) now applies.",
    ),
    (
        "conditional-removed",
        "An `if`/`then`/`else` condition (or its `then` or `else`) is gone.",
    ),
    (
        "conditional-changed",
        "The `if` of a condition changed: documents move between `then` and `else`, and Treaty cannot prove the effect, so it reports it both ways.",
    ),
    (
        "one-of-branch-added",
        "A `oneOf`/`anyOf` alternative was added. Breaking in a response even when the new alternative is only sent to clients that ask for it with a new request option (OpenAI's `verbose_json` transcription responses): the description does not tie the response to the option, so Treaty cannot know, and the producer says so in a proposal. A response that was a free-form object accepts every alternative: nothing is reported then.",
    ),
    (
        "one-of-branch-removed",
        "A `oneOf`/`anyOf` alternative was removed.",
    ),
    (
        "alternatives-added",
        "A `oneOf`/`anyOf` where there was none, beside keywords of its own: one more condition.",
    ),
    (
        "alternatives-removed",
        "A `oneOf`/`anyOf` beside keywords of its own is gone.",
    ),
    (
        "discriminator-changed",
        "The discriminator property changed.",
    ),
    ("read-only-changed", "`readOnly` was added or removed."),
    ("write-only-changed", "`writeOnly` was added or removed."),
    ("default-added", "A default value where there was none."),
    ("default-removed", "The default value is gone."),
    ("default-changed", "The default value changed."),
    (
        "schema-deprecated",
        "A schema or property is marked deprecated.",
    ),
    (
        "security-alternative-added",
        "A further way of authenticating is accepted.",
    ),
    (
        "security-alternative-removed",
        "A way of authenticating is no longer accepted. Also when an operation's own `security` replaces the document's global one: OpenAI 2024-12 → 2026-08 moves its 45 organization operations from `ApiKeyAuth` to `AdminApiKeyAuth`, and clients holding a project key are refused.",
    ),
    (
        "message-removed",
        "AsyncAPI: an operation no longer carries a message.",
    ),
    (
        "message-added",
        "AsyncAPI: an operation carries a further message.",
    ),
    ("proto-file-removed", "Protobuf: a file is gone (FILE)."),
    (
        "proto-package-changed",
        "Protobuf: a file's package changed (FILE). Its messages and enums are reported removed (PACKAGE) and its services removed (WIRE: gRPC calls name the package).",
    ),
    (
        "proto-file-option-changed",
        "Protobuf: a file option that shapes generated code changed: go_package, java_package, java_multiple_files... (FILE).",
    ),
    (
        "proto-message-removed",
        "Protobuf: a message is gone (PACKAGE).",
    ),
    ("proto-message-added", "Protobuf: a new message."),
    (
        "proto-field-removed",
        "Protobuf: a field is gone: WIRE unless its number is reserved, WIRE_JSON unless its name is too, else PACKAGE. A proto2 `required` field is WIRE whatever is reserved: old readers reject messages without it.",
    ),
    (
        "proto-field-added",
        "Protobuf: a new field; WIRE when it is proto2 `required`: old senders omit it, and new readers reject their messages.",
    ),
    (
        "proto-field-name-changed",
        "Protobuf: a field was renamed (WIRE_JSON: JSON readers accept the field name too).",
    ),
    (
        "proto-field-json-name-changed",
        "Protobuf: a field's JSON name changed (WIRE_JSON).",
    ),
    (
        "proto-field-type-changed",
        "Protobuf: a field's type changed: WIRE when the wire encoding differs, WIRE_JSON when only the JSON one does, else PACKAGE.",
    ),
    (
        "proto-field-cardinality-changed",
        "Protobuf: a field became repeated, singular, required or a map. WIRE_JSON when a string, bytes or message field switches between singular and repeated: protobuf's guide says the binary encoding is the same (a singular reader keeps the last value, or merges the messages), while JSON writes a value or an array. WIRE otherwise: repeated numeric, bool and enum fields are packed, which a singular reader cannot read, and a change to or from `required` makes readers reject messages.",
    ),
    (
        "proto-field-oneof-changed",
        "Protobuf: a field moved into, out of or between oneofs. WIRE when the fields it shares a oneof with change (moved into an existing oneof, several fields into a new one, one field out of a oneof that keeps others): a reader keeps only the last member it reads. PACKAGE when they do not (a oneof renamed, one field moved into a new oneof, as protobuf's guide allows, or out of a oneof it was alone in): the binary and JSON encodings are the same, generated code changes.",
    ),
    (
        "proto-field-presence-changed",
        "Protobuf: a field gained or lost explicit presence (`optional`) (FILE).",
    ),
    ("proto-enum-removed", "Protobuf: an enum is gone (PACKAGE)."),
    ("proto-enum-added", "Protobuf: a new enum."),
    (
        "proto-enum-value-removed",
        "Protobuf: an enum value is gone: WIRE unless its number is reserved, else PACKAGE.",
    ),
    ("proto-enum-value-added", "Protobuf: a new enum value."),
    (
        "proto-enum-value-name-changed",
        "Protobuf: an enum value lost a name (WIRE_JSON: JSON uses names).",
    ),
    (
        "proto-service-removed",
        "Protobuf: a service is gone, renamed or moved to another package (WIRE: gRPC clients call `/package.Service/Method`, which no longer answers).",
    ),
    ("proto-service-added", "Protobuf: a new service."),
    (
        "proto-method-removed",
        "Protobuf: a method is gone or renamed (WIRE: its clients call `/package.Service/Method`, which no longer answers).",
    ),
    ("proto-method-added", "Protobuf: a new method."),
    (
        "proto-method-request-changed",
        "Protobuf: a method's request type changed (WIRE).",
    ),
    (
        "proto-method-response-changed",
        "Protobuf: a method's response type changed (WIRE).",
    ),
    (
        "proto-method-streaming-changed",
        "Protobuf: a method's client or server streaming changed (WIRE).",
    ),
    (
        "avro-field-added",
        "Avro: a field with a default was added.",
    ),
    (
        "avro-field-added-without-default",
        "Avro: a field without a default was added: the new schema cannot read old data.",
    ),
    (
        "avro-field-removed",
        "Avro: a field that had a default was removed.",
    ),
    (
        "avro-field-removed-without-default",
        "Avro: a field without a default was removed: the old schema cannot read new data.",
    ),
    (
        "avro-field-renamed",
        "Avro: a field was renamed, the new name listing the old one in `aliases`.",
    ),
    (
        "avro-field-default-changed",
        "Avro: a field's default was added, removed or changed.",
    ),
    (
        "avro-type-promoted",
        "Avro: a type changed where one direction resolves by promotion (int → long, float → double, string ↔ bytes).",
    ),
    (
        "avro-type-changed",
        "Avro: a type changed and neither schema can read the other's data.",
    ),
    ("avro-enum-symbol-added", "Avro: an enum gained a symbol."),
    ("avro-enum-symbol-removed", "Avro: an enum lost a symbol."),
    (
        "avro-enum-default-changed",
        "Avro: an enum's default symbol was added, removed or changed.",
    ),
    (
        "avro-union-branch-added",
        "Avro: a union gained a branch (or a type became a union).",
    ),
    (
        "avro-union-branch-removed",
        "Avro: a union lost a branch (or stopped being a union).",
    ),
    (
        "avro-fixed-size-changed",
        "Avro: a fixed type changed size.",
    ),
    (
        "avro-name-changed",
        "Avro: a named type's full name changed.",
    ),
    (
        "avro-logical-type-changed",
        "Avro: the logical type (or its precision or scale) changed on the same physical type.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_catalogued_once() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.0).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
