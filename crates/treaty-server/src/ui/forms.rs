//! Reading a posted form: a bounded body, a bounded number of fields, each
//! field once. Anything else is a 400 or 413 page, not a panic and not a
//! JSON error.

use std::collections::HashMap;

use axum::body::Body;

use super::pages::UiError;

/// Largest form body accepted, in bytes: a token and a CSRF token fit many
/// times over.
const MAX_FORM_BYTES: usize = 8 * 1024;
/// Fields a form may carry, at most.
const MAX_FIELDS: usize = 16;

/// The fields of a `application/x-www-form-urlencoded` body.
pub(crate) async fn read(body: Body) -> Result<HashMap<String, String>, UiError> {
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| {
            UiError::TooLarge(format!("a form may hold at most {MAX_FORM_BYTES} bytes"))
        })?;
    let mut fields = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(&bytes) {
        if fields.len() == MAX_FIELDS {
            return Err(UiError::BadRequest(format!(
                "a form may hold at most {MAX_FIELDS} fields"
            )));
        }
        if fields
            .insert(key.clone().into_owned(), value.into_owned())
            .is_some()
        {
            return Err(UiError::BadRequest(format!(
                "the field `{key}` is sent twice"
            )));
        }
    }
    Ok(fields)
}
