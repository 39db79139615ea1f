//! Comparing generated code by its tokens: two streams are the same code when their tokens are,
//! whatever their spacing and the trailing commas Rust ignores.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// A token stream as the texts of its tokens, groups bracketed, spacing and the trailing commas
/// Rust ignores (before a closing bracket or a `where` clause's `{`) aside.
pub(crate) fn flatten(tokens: TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    flatten_into(tokens, &mut out);
    out
}

fn flatten_into(tokens: TokenStream, out: &mut Vec<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("«", "»"),
                };
                if open == "{" && out.last().is_some_and(|t| t == ",") {
                    out.pop();
                }
                out.push(open.to_owned());
                flatten_into(g.stream(), out);
                if out.last().is_some_and(|t| t == ",") {
                    out.pop();
                }
                out.push(close.to_owned());
            }
            TokenTree::Ident(i) => out.push(i.to_string()),
            TokenTree::Punct(p) => out.push(p.as_char().to_string()),
            TokenTree::Literal(l) => out.push(l.to_string()),
        }
    }
}
