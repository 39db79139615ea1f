//! How callers build the models' structs: a constructor taking the required fields and a
//! `with_<field>` setter per optional one, on the struct itself — what typify's builder module
//! offered (set only what you need; a new optional field in the document breaks no caller)
//! without a second type per model, and with required fields enforced by the compiler.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// One field of a struct as the constructor and setters see it.
struct Field {
    ident: syn::Ident,
    ty: syn::Type,
    /// The value it starts with when it is not required (`None`: required).
    initial: Option<TokenStream>,
}

/// The constructor and setters of struct `item` (named fields only), or `None`. An optional
/// field whose type is one of `uninhabited` (an enumeration without variants: a schema nothing
/// satisfies) gets no setter: no value could be given to it.
pub(super) fn constructors(
    item: &syn::ItemStruct,
    uninhabited: &std::collections::BTreeSet<String>,
) -> Option<syn::ItemImpl> {
    let syn::Fields::Named(named) = &item.fields else {
        return None;
    };
    let fields: Vec<Field> = named
        .named
        .iter()
        .filter_map(|f| {
            Some(Field {
                ident: f.ident.clone()?,
                ty: f.ty.clone(),
                initial: initial_value(f),
            })
        })
        .collect();
    let name = &item.ident;
    let required: Vec<&Field> = fields.iter().filter(|f| f.initial.is_none()).collect();
    // A field's name in setters and docs: `type_` is `type` (unless another field is `type`).
    let bare = |ident: &syn::Ident| ident.to_string().trim_start_matches("r#").to_owned();
    let shown = |ident: &syn::Ident| {
        let text = bare(ident);
        let trimmed = text.trim_end_matches('_');
        if trimmed.is_empty() || fields.iter().any(|f| bare(&f.ident) == trimmed) {
            text
        } else {
            trimmed.to_owned()
        }
    };
    let params = required.iter().map(|f| {
        let ident = &f.ident;
        let ty = argument(&f.ty);
        quote! { #ident: #ty }
    });
    let inits = fields.iter().map(|f| {
        let ident = &f.ident;
        match (&f.initial, is_primitive(&f.ty)) {
            (None, true) => quote! { #ident },
            (None, false) => quote! { #ident: #ident.into() },
            (Some(initial), _) => quote! { #ident: #initial },
        }
    });
    let settable = |f: &&Field| {
        let ty = option_inner(&f.ty).unwrap_or(&f.ty);
        !matches!(ty, syn::Type::Path(p) if p.path.get_ident().is_some_and(|i| uninhabited.contains(&i.to_string())))
    };
    let setters = fields
        .iter()
        .filter(|f| f.initial.is_some())
        .filter(settable)
        .map(|f| {
            let ident = &f.ident;
            let setter = format_ident!("with_{}", shown(ident));
            let doc = format!("Sets `{}`.", shown(ident));
            let (ty, some) = match option_inner(&f.ty) {
                Some(inner) => (inner, true),
                None => (&f.ty, false),
            };
            let param = argument(ty);
            let value = if is_primitive(ty) {
                quote! { value }
            } else {
                quote! { value.into() }
            };
            let value = if some {
                quote! { ::std::option::Option::Some(#value) }
            } else {
                value
            };
            quote! {
                #[doc = #doc]
                pub fn #setter(mut self, value: #param) -> Self {
                    self.#ident = #value;
                    self
                }
            }
        });
    let doc = if required.is_empty() {
        format!(
            "`{name}` with no field set (or each at its default); set them with the `with_…` setters."
        )
    } else {
        let names: Vec<String> = required
            .iter()
            .map(|f| format!("`{}`", shown(&f.ident)))
            .collect();
        format!(
            "`{name}` from its required fields ({}); set the others with the `with_…` setters.",
            names.join(", ")
        )
    };
    let tokens = quote! {
        impl #name {
            #[doc = #doc]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
        }
    };
    syn::parse2(tokens).ok()
}

/// The value a field starts with when the caller does not set it: its serde default (a named
/// function, or `Default::default()`), `Default::default()` for a field left out when empty
/// (typify skips only optional fields: `None`, an empty list or map) or a flattened map; `None`
/// for a required field.
fn initial_value(field: &syn::Field) -> Option<TokenStream> {
    let mut initial = None;
    let mut flatten = false;
    let mut skipped_when_empty = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                if meta.input.peek(syn::Token![=]) {
                    let path: syn::LitStr = meta.value()?.parse()?;
                    let path: syn::ExprPath = path.parse()?;
                    initial = Some(quote! { #path() });
                } else {
                    initial = Some(quote! { ::std::default::Default::default() });
                }
            } else if meta.path.is_ident("flatten") {
                flatten = true;
            } else if meta.path.is_ident("skip_serializing_if") {
                skipped_when_empty = true;
                meta.value()?.parse::<syn::Expr>()?;
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            } else if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                // A nested list (`with(...)`): read and ignored.
                meta.parse_nested_meta(|_| Ok(()))?;
            }
            Ok(())
        });
    }
    if initial.is_none() && (skipped_when_empty || (flatten && is_map(&field.ty))) {
        initial = Some(quote! { ::std::default::Default::default() });
    }
    initial
}

/// The type a constructor or setter takes for a field of type `ty`: the type itself when it is
/// a number or `bool` (so that a literal like `3600` takes the field's type), anything that
/// converts into it otherwise (`&str` for a `String`).
fn argument(ty: &syn::Type) -> TokenStream {
    if is_primitive(ty) {
        quote! { #ty }
    } else {
        quote! { impl ::std::convert::Into<#ty> }
    }
}

/// Whether `ty` is a number or `bool`.
fn is_primitive(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    path.qself.is_none()
        && path.path.get_ident().is_some_and(|i| {
            matches!(
                i.to_string().as_str(),
                "i8" | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "isize"
                    | "u8"
                    | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "usize"
                    | "f32"
                    | "f64"
                    | "bool"
            )
        })
}

/// `T` of `Option<T>` (however the path to `Option` is written).
pub(super) fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    generic_inner(ty, "Option")
}

/// `T` of `Box<T>` (however the path to `Box` is written).
pub(super) fn box_inner(ty: &syn::Type) -> Option<&syn::Type> {
    generic_inner(ty, "Box")
}

/// `T` of `Name<T>`.
fn generic_inner<'t>(ty: &'t syn::Type, name: &str) -> Option<&'t syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Whether `ty` is a map (`BTreeMap`, `HashMap`, `serde_json::Map`).
fn is_map(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    path.path
        .segments
        .last()
        .is_some_and(|s| matches!(s.ident.to_string().as_str(), "BTreeMap" | "HashMap" | "Map"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_fields_go_to_new_and_optional_ones_get_setters_starting_from_their_defaults() {
        let item: syn::ItemStruct = syn::parse_quote! {
            pub struct Token {
                pub name: ::std::string::String,
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                pub expiry: ::std::option::Option<i64>,
                #[serde(rename = "type", default = "defaults::token_type")]
                pub type_: TokenType,
                #[serde(flatten)]
                pub extra: ::std::collections::BTreeMap<::std::string::String, ::serde_json::Value>,
                pub note: ::std::option::Option<::std::string::String>,
            }
        };
        let code = constructors(&item, &Default::default()).unwrap();
        let text = quote!(#code).to_string();
        assert!(
            text.contains(
                "pub fn new (name : impl :: std :: convert :: Into < :: std :: string :: String >"
            ),
            "{text}"
        );
        assert!(text.contains("note : impl :: std :: convert :: Into < :: std :: option :: Option < :: std :: string :: String > >"), "{text}");
        assert!(text.contains("type_ : defaults :: token_type ()"), "{text}");
        assert!(
            text.contains("extra : :: std :: default :: Default :: default ()"),
            "{text}"
        );
        assert!(
            text.contains("pub fn with_expiry (mut self , value : i64)"),
            "{text}"
        );
        assert!(
            text.contains("self . expiry = :: std :: option :: Option :: Some (value)"),
            "{text}"
        );
        assert!(
            text.contains(
                "pub fn with_type (mut self , value : impl :: std :: convert :: Into < TokenType >)"
            ),
            "{text}"
        );
        assert!(!text.contains("with_name"), "{text}");
        assert!(!text.contains("with_note"), "{text}");
    }
}
