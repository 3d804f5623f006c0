//! `hotline-graphql`: the GraphQL schema.
