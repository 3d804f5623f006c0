//! Every resolver error leaves with a stable `extensions.code` (and `retryable`).

use async_graphql::ErrorExtensions;
use hotline_command_api::ApiError;

/// Turns an [`ApiError`] into a GraphQL error that keeps its code.
pub fn graphql_error(error: ApiError) -> async_graphql::Error {
    async_graphql::Error::new(error.message.clone()).extend_with(|_, extensions| {
        extensions.set("code", error.code);
        extensions.set("retryable", error.retryable);
        if let Some(fields) = &error.fields {
            let fields: Vec<async_graphql::Value> = fields
                .iter()
                .map(|problem| {
                    let mut object = async_graphql::indexmap::IndexMap::new();
                    object.insert(async_graphql::Name::new("field"), async_graphql::Value::from(problem.field.clone()));
                    object.insert(
                        async_graphql::Name::new("message"),
                        async_graphql::Value::from(problem.message.clone()),
                    );
                    async_graphql::Value::Object(object)
                })
                .collect();
            extensions.set("fields", async_graphql::Value::List(fields));
        }
    })
}

/// `?`-friendly conversion for results of the command side and read models.
pub trait OrGraphqlError<T> {
    fn or_graphql_error(self) -> async_graphql::Result<T>;
}

impl<T> OrGraphqlError<T> for Result<T, ApiError> {
    fn or_graphql_error(self) -> async_graphql::Result<T> {
        self.map_err(graphql_error)
    }
}

/// Gives every error that has no code yet (parse and validation errors of async-graphql)
/// the code `graphql.invalid_request`, so clients can always branch on the code.
pub fn ensure_codes(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "graphql.invalid_request");
        }
    }
}
