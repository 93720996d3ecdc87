//! What a Pact file says, as the reader gives it: the pact, its HTTP
//! interactions and its messages with the way each goes, and what was
//! read but is not checked.

use serde_json::Value;

use crate::matching::Rules;

/// A Pact file: who it is between and the interactions to check.
#[derive(Debug, Clone, PartialEq)]
pub struct Pact {
    /// The consumer's name, if given.
    pub consumer: Option<String>,
    /// The provider's name, if given.
    pub provider: Option<String>,
    /// The specification's major version (1 and 2 are read as 2).
    pub version: u8,
    /// The HTTP interactions.
    pub interactions: Vec<Interaction>,
    /// The messages the consumer expects to receive (v3 message pacts'
    /// `messages`, v4 `Asynchronous/Messages`), and both sides of v4
    /// `Synchronous/Messages` (the request it sends, the replies it
    /// expects), each with its [`Exchange`].
    pub messages: Vec<Message>,
    /// Interactions read but not checked (plugin interactions, kinds this
    /// reader does not know), with why.
    pub skipped: Vec<Skipped>,
}

/// Which way a message goes between the consumer and the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchange {
    /// The consumer receives it (an asynchronous message).
    Received,
    /// The consumer sends it: the request of a synchronous exchange.
    Request,
    /// The consumer receives it in reply to its request; the channel the
    /// request's metadata names, if any.
    Reply {
        /// The request's channel.
        request_channel: Option<String>,
    },
}

/// A message the consumer expects to receive, or sends.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The message's description (a synchronous exchange's, with
    /// `: request` or `: reply`).
    pub description: String,
    /// Which way it goes.
    pub exchange: Exchange,
    /// JSON pointer of the message (`/messages/0`, `/interactions/0`,
    /// `/interactions/0/request`, `/interactions/0/response/0`).
    pub pointer: String,
    /// Its contents, if any (`at` is `/contents` or v4's
    /// `/contents/content`).
    pub body: Option<Body>,
    /// Its metadata (`contentType`, a channel or topic name), as text.
    pub metadata: Vec<(String, String)>,
    /// Where the metadata is below the message: `/metaData` (v3) or
    /// `/metadata`.
    pub metadata_at: &'static str,
    /// Matching rules by category (`body` for the contents).
    pub rules: Rules,
}

/// Metadata entries that name the channel a message goes on.
pub const CHANNEL_KEYS: &[&str] = &["channel", "topic", "destination", "queue", "kafka_topic"];

impl Message {
    /// The channel its metadata names (the first of [`CHANNEL_KEYS`]
    /// present), with the entry's name.
    pub fn channel(&self) -> Option<(&'static str, &str)> {
        CHANNEL_KEYS
            .iter()
            .find_map(|k| self.metadata(k).map(|v| (*k, v)))
    }

    /// The value of a metadata entry, by case-insensitive name.
    pub fn metadata(&self, name: &str) -> Option<&str> {
        header(&self.metadata, name)
    }
}

/// An interaction that is not checked, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The interaction's description.
    pub description: String,
    /// JSON pointer of the interaction.
    pub pointer: String,
    /// Why it is skipped.
    pub reason: String,
}

/// One HTTP request and the response the consumer expects.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    /// The interaction's description.
    pub description: String,
    /// JSON pointer of the interaction (`/interactions/0`).
    pub pointer: String,
    /// What the consumer sends.
    pub request: Request,
    /// What the consumer expects back.
    pub response: Response,
}

/// An interaction's request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path, as the consumer sends it.
    pub path: String,
    /// Query parameters, in order; a name may repeat.
    pub query: Vec<(String, String)>,
    /// Headers, names as written.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Body>,
    /// Matching rules by category.
    pub rules: Rules,
}

/// An interaction's response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers, names as written.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Body>,
    /// Matching rules by category.
    pub rules: Rules,
}

/// A request or response body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The content: JSON as a value; other content as a string.
    pub content: Value,
    /// The content type the file names for the body (v4), if any.
    pub content_type: Option<String>,
    /// Encoded content (v4 `encoded`) that is not checked against a schema.
    pub opaque: bool,
    /// Pointer of the content below the request or response (`/body`, or
    /// v4's `/body/content`).
    pub at: &'static str,
}

impl Request {
    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

impl Response {
    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
