//! Rust names and doc attributes derived from document text, deterministically.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// The snake_case identifier text for `name` (keywords get a trailing `_`).
pub fn snake(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut s = cleaned.to_snake_case();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// The method name of an operation (what progenitor names it too).
pub fn method_name(operation_id: &str) -> String {
    snake(operation_id)
}

/// A snake_case identifier for `name`.
pub fn field_ident(name: &str) -> Ident {
    Ident::new(&snake(name), Span::call_site())
}

/// PascalCase of an operation id, for per-operation type names.
pub fn operation_type_prefix(operation_id: &str) -> String {
    snake(operation_id)
        .trim_end_matches('_')
        .to_upper_camel_case()
}

/// `#[doc = "..."]` attributes, one per line of `text`.
pub fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {}", l.trim_end())
        }
    });
    quote! { #( #[doc = #lines] )* }
}
