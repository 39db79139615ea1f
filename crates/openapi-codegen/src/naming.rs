//! Rust names and doc attributes derived from document text, deterministically: the one place
//! that decides how a document's words become Rust identifiers.

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

/// `name` with every character that is not alphanumeric turned into a word break.
fn words(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

/// The Rust type name typify gives a schema name (PascalCase; a leading digit gets `T`).
pub(crate) fn rust_type_name(name: &str) -> String {
    let pascal = words(name).to_upper_camel_case();
    if pascal.starts_with(|c: char| c.is_ascii_digit()) || pascal.is_empty() {
        format!("T{pascal}")
    } else {
        pascal
    }
}

/// The variant name typify derives from an enum value (its words in PascalCase; may be empty).
pub(crate) fn rust_variant_name(value: &str) -> String {
    words(value).to_upper_camel_case()
}

/// The snake_case identifier text for `name` (keywords get a trailing `_`).
pub(crate) fn snake(name: &str) -> String {
    let mut s = words(name).to_snake_case();
    if s.is_empty() {
        // A name with no letter or digit (`""`, `$`): `_` alone is not an identifier.
        return "unnamed".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// The method name of an operation (what progenitor names it too).
pub(crate) fn method_name(operation_id: &str) -> String {
    snake(operation_id)
}

/// A snake_case identifier for `name`.
pub(crate) fn field_ident(name: &str) -> Ident {
    Ident::new(&snake(name), Span::call_site())
}

/// PascalCase of an operation id, for per-operation type names.
pub(crate) fn operation_type_prefix(operation_id: &str) -> String {
    leading_letter(
        snake(operation_id)
            .trim_end_matches('_')
            .to_upper_camel_case(),
    )
}

/// The `Operation` enum variant of an operation.
pub(crate) fn operation_variant(operation_id: &str) -> String {
    leading_letter(method_name(operation_id).to_upper_camel_case())
}

/// A PascalCase name that starts with a letter (`54763…` → `Op54763…`), as identifiers must.
fn leading_letter(name: String) -> String {
    if name.starts_with(|c: char| c.is_alphabetic()) {
        name
    } else {
        format!("Op{name}")
    }
}

/// `#[doc = "..."]` attributes, one per line of `text`.
pub(crate) fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {}", l.trim_end())
        }
    });
    quote! { #( #[doc = #lines] )* }
}

/// The documentation of an operation's generated item: its summary and description, then
/// `tail` (what the item is); with `#[deprecated]` when the operation is.
pub(crate) fn operation_doc(op: &crate::ir::Operation, tail: &str) -> TokenStream {
    let mut doc = String::new();
    for text in [&op.summary, &op.description].into_iter().flatten() {
        doc.push_str(text);
        doc.push_str("\n\n");
    }
    doc.push_str(tail);
    let doc = doc_attrs(&doc);
    if op.deprecated {
        quote! { #doc #[deprecated] }
    } else {
        doc
    }
}
