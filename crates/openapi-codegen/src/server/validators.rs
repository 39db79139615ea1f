//! The validator compiler: turns a schema of the IR into Rust code that checks a
//! `serde_json::Value` against it, recording failures into the runtime's `Validator` (so a
//! request gets every problem at once, in Svix's `HTTPValidationError` shape). Component schemas
//! become one `validate_<type>` function each, emitted once however often they are used.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::error::{Diagnostic, escape_pointer};
use crate::ir::{Additional, Api, Kind, Schema};
use crate::models::ModelNames;
use crate::naming::snake;

/// Compiles schemas into validation code; remembers the components and patterns it used.
pub(super) struct ValidatorCompiler<'a> {
    api: &'a Api,
    models: &'a ModelNames,
    /// ECMA-262 patterns, each compiled once into a `PATTERN_<i>` static.
    patterns: Vec<(String, ())>,
    /// Constraint tables (`rt::StringRules { … }`, …), each written once as a `RULES_<i>` static
    /// (the value's text that identifies it; type and value).
    rules: Vec<(String, (TokenStream, TokenStream))>,
    /// Parameters (`rt::Param { … }`), each written once as a `PARAM_<i>` static (the value's
    /// text and the value).
    params: Vec<(String, TokenStream)>,
    /// What could not be checked.
    pub diags: Vec<Diagnostic>,
    /// Component schemas whose validators are referenced.
    used: BTreeSet<String>,
    /// Referenced components whose validators are not emitted yet.
    pending: BTreeSet<String>,
}

impl<'a> ValidatorCompiler<'a> {
    pub fn new(api: &'a Api, models: &'a ModelNames) -> Self {
        Self {
            api,
            models,
            patterns: Vec::new(),
            rules: Vec::new(),
            params: Vec::new(),
            diags: Vec::new(),
            used: BTreeSet::new(),
            pending: BTreeSet::new(),
        }
    }

    /// One `validate_<type>` function for every component schema the emitted code reached
    /// (including those reached from other validators).
    pub fn component_validators(&mut self) -> Vec<TokenStream> {
        let mut validators = Vec::new();
        // Smallest name first, including those the emitted validators reach.
        while let Some(name) = self.pending.pop_first() {
            let api = self.api;
            let body = match api.schemas.get(&name) {
                Some(schema) => self.emit(schema, &format!("/components/schemas/{name}")),
                None => quote! {},
            };
            let rust = self.models.rust_name(&name).unwrap_or(&name).to_owned();
            let f = validator_fn(&name, self.models);
            let doc = format!("Checks a JSON value against the `{name}` schema (`{rust}`).");
            validators.push(quote! {
                #[doc = #doc]
                #[allow(unused_variables, clippy::collapsible_if)]
                fn #f(v: &Value, val: &mut rt::Validator) { #body }
            });
        }
        validators
    }

    /// The `RULES_<i>`, `PARAM_<i>` and `PATTERN_<i>` statics, and the imports they need.
    pub fn statics(&self) -> (TokenStream, Vec<TokenStream>) {
        let mut statics: Vec<TokenStream> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, (_, (ty, value)))| {
                let name = format_ident!("RULES_{}", i);
                quote! { static #name: #ty = #value; }
            })
            .collect();
        statics.extend(self.params.iter().enumerate().map(|(i, (_, value))| {
            let name = format_ident!("PARAM_{}", i);
            quote! { static #name: rt::Param = #value; }
        }));
        if self.patterns.is_empty() {
            return (quote! {}, statics);
        }
        let imports = quote! {
            use std::sync::LazyLock;
            use rt::reexports::regress::Regex;
        };
        statics.extend(self.patterns.iter().enumerate().map(|(i, (p, ()))| {
            let name = format_ident!("PATTERN_{}", i);
            let lit = Literal::string(p);
            quote! {
                static #name: LazyLock<Regex> = LazyLock::new(||
                    Regex::new(#lit).expect("pattern was compiled at generation time")
                );
            }
        }));
        (imports, statics)
    }

    /// The static describing parameter `value` (an `rt::Param`), written once however many
    /// operations share it.
    pub fn param_static(&mut self, value: TokenStream) -> Ident {
        format_ident!(
            "PARAM_{}",
            intern(&mut self.params, value.to_string(), || value)
        )
    }

    /// The static holding constraint table `value` of type `ty`, written once however often the
    /// same constraints appear.
    fn rules_static(&mut self, ty: TokenStream, value: TokenStream) -> Ident {
        let key = value.to_string();
        format_ident!("RULES_{}", intern(&mut self.rules, key, || (ty, value)))
    }

    /// Code validating `v: &Value` against `schema`, recording into `val: &mut rt::Validator`.
    pub fn emit(&mut self, schema: &Schema, pointer: &str) -> TokenStream {
        if let Some(name) = &schema.reference {
            if !self.api.schemas.contains_key(name) {
                return quote! {};
            }
            if self.used.insert(name.clone()) {
                self.pending.insert(name.clone());
            }
            let f = validator_fn(name, self.models);
            return quote! { #f(v, val); };
        }
        let s = schema;
        let nullable = s.nullable;
        let mut out = Vec::new();
        match &s.kind {
            Some(Kind::Object) => out.push(self.emit_object(s, nullable, pointer)),
            None if s.declares_object_keys => {
                let obj = self.emit_object(s, true, pointer);
                out.push(quote! { if v.is_object() { #obj } });
            }
            Some(Kind::Array) => out.push(self.emit_array(s, nullable, pointer)),
            Some(Kind::String) => out.push(self.emit_string(s, nullable, pointer)),
            Some(Kind::Integer) => out.push(self.emit_integer(s, nullable)),
            Some(Kind::Number) => out.push(self.emit_number(s, nullable)),
            Some(Kind::Boolean) => out.push(quote! { rt::boolean(v, #nullable, val); }),
            Some(Kind::Unknown(other)) => self.diags.push(Diagnostic::warning(
                format!("{pointer}/type"),
                format!("unknown type `{other}` is not checked"),
            )),
            None => {}
        }
        if let Some(values) = &s.enumeration {
            let texts: Vec<String> = values.iter().map(Value::to_string).collect();
            let check = quote! { rt::enumeration(v, &[#(#texts),*], val); };
            out.push(if nullable {
                quote! { if !v.is_null() { #check } }
            } else {
                check
            });
        }
        if let Some(members) = &s.all_of {
            let members: Vec<_> = members
                .iter()
                .enumerate()
                .map(|(i, m)| self.emit(m, &format!("{pointer}/allOf/{i}")))
                .collect();
            out.push(if nullable && s.kind.is_none() {
                quote! { if !v.is_null() { #(#members)* } }
            } else {
                quote! { #(#members)* }
            });
        }
        for (key, members) in [("anyOf", &s.any_of), ("oneOf", &s.one_of)] {
            if let Some(members) = members {
                let branches: Vec<_> = members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| self.emit(m, &format!("{pointer}/{key}/{i}")))
                    .collect();
                let check = quote! {
                    rt::any_of(
                        v,
                        &[#(
                            (|v: &Value, val: &mut rt::Validator| { #branches })
                                as fn(&Value, &mut rt::Validator)
                        ),*],
                        val,
                    );
                };
                out.push(if nullable {
                    quote! { if !v.is_null() { #check } }
                } else {
                    check
                });
            }
        }
        if let Some(n) = &s.not {
            let branch = self.emit(n, &format!("{pointer}/not"));
            out.push(quote! { rt::not(v, |v: &Value, val: &mut rt::Validator| { #branch }, val); });
        }
        quote! { #(#out)* }
    }

    fn emit_array(&mut self, s: &Schema, nullable: bool, pointer: &str) -> TokenStream {
        let min = opt_u64(s.min_items);
        let max = opt_u64(s.max_items);
        let unique = s.unique_items;
        let item = match &s.items {
            Some(items) => self.emit(items, &format!("{pointer}/items")),
            None => quote! {},
        };
        let rules = self.rules_static(
            quote! { rt::ArrayRules },
            quote! { rt::ArrayRules { min_items: #min, max_items: #max, unique_items: #unique } },
        );
        quote! {
            if let Some(items) = rt::array(v, #nullable, &#rules, val) {
                for (i, v) in items.iter().enumerate() {
                    val.push(i.to_string());
                    #item
                    val.pop();
                }
            }
        }
    }

    fn emit_string(&mut self, s: &Schema, nullable: bool, pointer: &str) -> TokenStream {
        let min = opt_u64(s.min_length);
        let max = opt_u64(s.max_length);
        let pattern = match &s.pattern {
            Some(p) => match regress::Regex::new(p) {
                Ok(_) => {
                    let name = self.pattern_static(p);
                    quote! { Some((&#name, #p)) }
                }
                Err(e) => {
                    self.diags.push(Diagnostic::warning(
                        format!("{pointer}/pattern"),
                        format!("pattern {p:?} is not a valid ECMA-262 regular expression ({e}); the server does not check it"),
                    ));
                    quote! { None }
                }
            },
            None => quote! { None },
        };
        // The runtime checks the formats it knows and takes any other as an annotation.
        let format = match s.format.as_deref() {
            Some(f) => quote! { Some(#f) },
            None => quote! { None },
        };
        let rules = self.rules_static(
            quote! { rt::StringRules },
            quote! {
                rt::StringRules { min_length: #min, max_length: #max, pattern: #pattern, format: #format }
            },
        );
        quote! { rt::string(v, #nullable, &#rules, val); }
    }

    fn emit_integer(&mut self, s: &Schema, nullable: bool) -> TokenStream {
        let rules = self.rules_static(quote! { rt::IntRules }, integer_rules(s));
        quote! { rt::integer(v, #nullable, &#rules, val); }
    }

    fn emit_number(&mut self, s: &Schema, nullable: bool) -> TokenStream {
        let rules = self.rules_static(quote! { rt::NumRules }, number_rules(s));
        quote! { rt::number(v, #nullable, &#rules, val); }
    }

    /// The static holding `pattern`, compiled once.
    fn pattern_static(&mut self, pattern: &str) -> Ident {
        format_ident!(
            "PATTERN_{}",
            intern(&mut self.patterns, pattern.to_owned(), || ())
        )
    }

    fn emit_object(&mut self, s: &Schema, nullable: bool, pointer: &str) -> TokenStream {
        let required: Vec<&str> = s.required.iter().map(String::as_str).collect();
        let mut props = Vec::new();
        let names: Vec<&str> = s.properties.iter().map(|(n, _)| n.as_str()).collect();
        for (name, prop) in &s.properties {
            let check = self.emit(
                prop,
                &format!("{pointer}/properties/{}", escape_pointer(name)),
            );
            if !check.is_empty() {
                props.push(quote! {
                    if let Some(v) = map.get(#name) {
                        val.push(#name);
                        #check
                        val.pop();
                    }
                });
            }
        }
        let extra = match &s.additional {
            Additional::Forbidden => quote! {
                for key in map.keys().filter(|k| ![#(#names),*].contains(&k.as_str())) {
                    val.push(key.clone());
                    val.error("extra fields not permitted", "value_error.extra");
                    val.pop();
                }
            },
            Additional::Schema(schema) => {
                let check = self.emit(schema, &format!("{pointer}/additionalProperties"));
                if check.is_empty() {
                    quote! {}
                } else {
                    quote! {
                        for (key, v) in map
                            .iter()
                            .filter(|(k, _)| ![#(#names),*].contains(&k.as_str()))
                        {
                            val.push(key.clone());
                            #check
                            val.pop();
                        }
                    }
                }
            }
            Additional::Any => quote! {},
        };
        let min = s.min_properties.map(|m| {
            let m = m as usize;
            quote! {
                if map.len() < #m {
                    val.error(
                        format!("ensure this value has at least {} properties", #m),
                        "value_error.dict.min_items",
                    );
                }
            }
        });
        let max = s.max_properties.map(|m| {
            let m = m as usize;
            quote! {
                if map.len() > #m {
                    val.error(
                        format!("ensure this value has at most {} properties", #m),
                        "value_error.dict.max_items",
                    );
                }
            }
        });
        let body = quote! { #(#props)* #extra #min #max };
        if body.is_empty() {
            quote! { rt::object(v, #nullable, &[#(#required),*], val); }
        } else {
            quote! {
                if let Some(map) = rt::object(v, #nullable, &[#(#required),*], val) {
                    #body
                }
            }
        }
    }
}

/// The index of `key` in `list`, pushed (with `value()`) when it is not there yet.
fn intern<T>(list: &mut Vec<(String, T)>, key: String, value: impl FnOnce() -> T) -> usize {
    match list.iter().position(|(k, _)| *k == key) {
        Some(i) => i,
        None => {
            list.push((key, value()));
            list.len() - 1
        }
    }
}

/// The name of the validator function of component schema `name`.
fn validator_fn(name: &str, models: &ModelNames) -> Ident {
    format_ident!(
        "validate_{}",
        snake(models.rust_name(name).unwrap_or(name)).trim_start_matches('_')
    )
}

/// `s`'s integer constraints as an `rt::IntRules` value (an integer format's range included;
/// without a format, any integer is valid and only the value's own bounds apply).
fn integer_rules(s: &Schema) -> TokenStream {
    let range = format_bounds(s.format.as_deref());
    let (fmin, fmax) = (range.map(|r| r.0), range.map(|r| r.1));
    let smin = s.minimum.map(|f| f.ceil() as i128);
    let smax = s.maximum.map(|f| f.floor() as i128);
    let tighter = |a: Option<i128>, b: Option<i128>, pick: fn(i128, i128) -> i128| match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    };
    let (min, xmin) = if s.exclusive_minimum {
        (fmin, smin)
    } else {
        (tighter(smin, fmin, i128::max), None)
    };
    let (max, xmax) = if s.exclusive_maximum {
        (fmax, smax)
    } else {
        (tighter(smax, fmax, i128::min), None)
    };
    let multiple = s
        .multiple_of
        .filter(|m| m.fract() == 0.0)
        .map(|m| m as i128);
    let (min, max, xmin, xmax, multiple) = (
        opt_i128(min),
        opt_i128(max),
        opt_i128(xmin),
        opt_i128(xmax),
        opt_i128(multiple),
    );
    quote! {
        rt::IntRules {
            minimum: #min,
            maximum: #max,
            exclusive_minimum: #xmin,
            exclusive_maximum: #xmax,
            multiple_of: #multiple,
        }
    }
}

/// `s`'s number constraints as an `rt::NumRules` value.
fn number_rules(s: &Schema) -> TokenStream {
    let (min, xmin) = if s.exclusive_minimum {
        (None, s.minimum)
    } else {
        (s.minimum, None)
    };
    let (max, xmax) = if s.exclusive_maximum {
        (None, s.maximum)
    } else {
        (s.maximum, None)
    };
    // `float` is single precision: a larger value would be read as infinity.
    let single_precision = s.format.as_deref() == Some("float");
    let (min, max, xmin, xmax) = (opt_f64(min), opt_f64(max), opt_f64(xmin), opt_f64(xmax));
    quote! {
        rt::NumRules {
            minimum: #min,
            maximum: #max,
            exclusive_minimum: #xmin,
            exclusive_maximum: #xmax,
            single_precision: #single_precision,
        }
    }
}

/// The range an integer `format` allows (none without one, or with a format it does not know).
fn format_bounds(format: Option<&str>) -> Option<(i128, i128)> {
    Some(match format? {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" => (i64::MIN.into(), i64::MAX.into()),
        "uint8" => (0, u8::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "uint32" => (0, u32::MAX.into()),
        "uint64" => (0, u64::MAX.into()),
        _ => return None,
    })
}

fn opt_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(n) => quote! { Some(#n) },
        None => quote! { None },
    }
}

fn opt_i128(v: Option<i128>) -> TokenStream {
    match v {
        Some(n) => {
            let lit = Literal::i128_unsuffixed(n);
            quote! { Some(#lit) }
        }
        None => quote! { None },
    }
}

fn opt_f64(v: Option<f64>) -> TokenStream {
    match v {
        Some(n) => {
            let lit = Literal::f64_unsuffixed(n);
            quote! { Some(#lit) }
        }
        None => quote! { None },
    }
}
