//! The `model_impls!` macro a models crate defines when typify's repeated conversion impls are
//! written as one line per type ([`super::compact`]): its source, written once here as the
//! generated module shows it, and the shapes read from it. The source is the one truth: an impl
//! is replaced only when it is, token for token, what the rule it is replaced by expands to.

use proc_macro2::{TokenStream, TokenTree};

/// The macro's source, placed at the top of the generated models module when it is used.
/// Each `(@name $t:ident)` rule is one impl typify writes for type `$t`; a rule made only of
/// `model_impls!(@… $t);` lines is a bundle of them; `@from_str` is a constrained string's
/// parse (its bounds and pattern given).
pub(super) const SOURCE: &str = r#"/// The conversion impls typify writes alike for many models, written once: `model_impls!(Type:
/// shape, …)`, `model_impls!(@simple_enum Type …)` and `model_impls!(@from_str Type …)` expand to
/// the impls typify wrote.
#[allow(unused_macro_rules)]
macro_rules! model_impls {
    ($t:ident: $($shape:ident),*) => {
        $(model_impls!(@$shape $t);)*
    };
    (@constrained_string $t:ident) => {
        model_impls!(@deref_string $t);
        model_impls!(@into_string $t);
        model_impls!(@try_from_str $t);
        model_impls!(@try_from_string $t);
        model_impls!(@deserialize_parsed $t);
    };
    (@parsed_from_strings $t:ident) => {
        model_impls!(@try_from_str $t);
        model_impls!(@try_from_string $t);
    };
    (@deref_string $t:ident) => {
        impl ::std::ops::Deref for $t {
            type Target = ::std::string::String;
            fn deref(&self) -> &::std::string::String {
                &self.0
            }
        }
    };
    (@into_string $t:ident) => {
        impl ::std::convert::From<$t> for ::std::string::String {
            fn from(value: $t) -> Self {
                value.0
            }
        }
    };
    (@try_from_str $t:ident) => {
        impl ::std::convert::TryFrom<&str> for $t {
            type Error = self::error::ConversionError;
            fn try_from(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                value.parse()
            }
        }
    };
    (@try_from_string_ref $t:ident) => {
        impl ::std::convert::TryFrom<&::std::string::String> for $t {
            type Error = self::error::ConversionError;
            fn try_from(
                value: &::std::string::String,
            ) -> ::std::result::Result<Self, self::error::ConversionError> {
                value.parse()
            }
        }
    };
    (@try_from_string $t:ident) => {
        impl ::std::convert::TryFrom<::std::string::String> for $t {
            type Error = self::error::ConversionError;
            fn try_from(
                value: ::std::string::String,
            ) -> ::std::result::Result<Self, self::error::ConversionError> {
                value.parse()
            }
        }
    };
    (@deserialize_parsed $t:ident) => {
        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                ::std::string::String::deserialize(deserializer)?
                    .parse()
                    .map_err(|e: self::error::ConversionError| {
                        <D::Error as ::serde::de::Error>::custom(e.to_string())
                    })
            }
        }
    };
    (@simple_enum $t:ident $($variant:ident = $text:literal),*) => {
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match *self {
                    $(Self::$variant => f.write_str($text),)*
                }
            }
        }
        impl ::std::str::FromStr for $t {
            type Err = self::error::ConversionError;
            fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                match value {
                    $($text => Ok(Self::$variant),)*
                    _ => Err("invalid value".into()),
                }
            }
        }
    };
    (@from_str $t:ident $(max $max:literal)? $(min $min:literal)? $(pattern $p:literal)?) => {
        impl ::std::str::FromStr for $t {
            type Err = self::error::ConversionError;
            fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                $(if value.chars().count() > $max {
                    return Err(concat!("longer than ", $max, " characters").into());
                })?
                $(if value.chars().count() < $min {
                    return Err(concat!("shorter than ", $min, " characters").into());
                })?
                $(
                    static PATTERN: ::std::sync::LazyLock<::regress::Regex> =
                        ::std::sync::LazyLock::new(|| ::regress::Regex::new($p).unwrap());
                    if PATTERN.find(value).is_none() {
                        return Err(concat!("doesn't match pattern \"", $p, "\"").into());
                    }
                )?
                Ok(Self(value.to_string()))
            }
        }
    };
}
"#;

/// The placeholder shapes write for the type.
pub(super) const PLACEHOLDER: &str = "__T";

/// The rules of [`SOURCE`]: one-impl shapes (name, impl with the type as [`PLACEHOLDER`]) and
/// bundles (name, the shapes they expand to).
pub(super) struct Rules {
    pub shapes: Vec<(String, TokenStream)>,
    pub bundles: Vec<(String, Vec<String>)>,
}

/// Reads the rules of `(@name $t:ident) => { … };` out of [`SOURCE`].
pub(super) fn rules() -> Rules {
    let mut rules = Rules {
        shapes: Vec::new(),
        bundles: Vec::new(),
    };
    let Ok(item) = syn::parse_str::<syn::ItemMacro>(SOURCE) else {
        return rules;
    };
    let trees: Vec<TokenTree> = item.mac.tokens.into_iter().collect();
    // Each rule: `(matcher) => {body};`.
    for rule in trees.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';')) {
        let [TokenTree::Group(matcher), _, _, TokenTree::Group(body)] = rule else {
            continue;
        };
        let matcher: Vec<String> = matcher
            .stream()
            .into_iter()
            .map(|t| t.to_string())
            .collect();
        let name = match &matcher[..] {
            [at, name, dollar, t, colon, ident]
                if at == "@" && dollar == "$" && t == "t" && colon == ":" && ident == "ident" =>
            {
                name.clone()
            }
            _ => continue,
        };
        match bundle_members(body.stream()) {
            Some(members) => rules.bundles.push((name, members)),
            None => rules.shapes.push((name, placeholder(body.stream()))),
        }
    }
    rules
}

/// The shapes a bundle's body calls (`model_impls!(@x $t);` …), or `None` for an impl.
fn bundle_members(body: TokenStream) -> Option<Vec<String>> {
    let trees: Vec<TokenTree> = body.into_iter().collect();
    let mut members = Vec::new();
    for call in trees.chunks(4) {
        let [
            TokenTree::Ident(name),
            TokenTree::Punct(bang),
            TokenTree::Group(args),
            TokenTree::Punct(semi),
        ] = call
        else {
            return None;
        };
        if name != "model_impls" || bang.as_char() != '!' || semi.as_char() != ';' {
            return None;
        }
        let args: Vec<String> = args.stream().into_iter().map(|t| t.to_string()).collect();
        match &args[..] {
            [at, member, dollar, t] if at == "@" && dollar == "$" && t == "t" => {
                members.push(member.clone())
            }
            _ => return None,
        }
    }
    (!members.is_empty()).then_some(members)
}

/// `tokens` with `$t` written as [`PLACEHOLDER`].
fn placeholder(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Punct(p)
                if p.as_char() == '$'
                    && matches!(trees.peek(), Some(TokenTree::Ident(i)) if i == "t") =>
            {
                trees.next();
                out.push(TokenTree::Ident(proc_macro2::Ident::new(
                    PLACEHOLDER,
                    proc_macro2::Span::call_site(),
                )));
            }
            TokenTree::Group(g) => {
                let mut group = proc_macro2::Group::new(g.delimiter(), placeholder(g.stream()));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// The model type and method of `item` when it implements trait `name` (its path's last
/// segment) for one of `types`, with a method: what the readers of typify's impls look at.
pub(super) fn model_trait_impl<'a>(
    item: &'a syn::ItemImpl,
    name: &str,
    types: &std::collections::BTreeSet<String>,
) -> Option<(&'a proc_macro2::Ident, &'a syn::ImplItemFn)> {
    let (path, _) = item.trait_.as_ref()?;
    if path.segments.last()?.ident != name {
        return None;
    }
    let syn::Type::Path(ty) = &*item.self_ty else {
        return None;
    };
    let ty = ty
        .path
        .get_ident()
        .filter(|t| types.contains(&t.to_string()))?;
    let function = item.items.iter().find_map(|i| match i {
        syn::ImplItem::Fn(f) => Some(f),
        _ => None,
    })?;
    Some((ty, function))
}
