//! How the server module names the Rust type of a parameter or body schema.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::Schema;
use crate::models::{ModelNames, TypePaths};

/// The Rust type of a parameter or body schema, as the server module names it.
pub(super) fn rust_type(models: &ModelNames, schema: &Schema) -> TokenStream {
    models.rust_type(
        schema,
        &TypePaths {
            chrono: quote! { rt::reexports::chrono },
            json_value: quote! { Value },
        },
    )
}
