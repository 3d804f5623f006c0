//! `hotline-command-api`: the command side.
