//! Distinct Rust names for properties typify names alike. typify turns each property name into
//! snake_case and keeps no record of the names it gave, so `_id` beside `id`, `@id` beside `id`
//! (JSON-LD), `created-by` beside `created_by` or `jobID` beside `jobId` become two fields of
//! one name — a struct that does not compile (Buffer's, Trello's, Vercel's documents). Here the
//! field whose property is spelled as its Rust name keeps that name (else the first one does) and
//! each other one is named for its property's spelling (`_id` → `underscore_id`, `@id` → `at_id`,
//! `created-by` → `created_dash_by`), with a number when that is taken too (`job_id_2`). The
//! `serde(rename)` typify wrote keeps the wire name; struct expressions typify wrote for defaults
//! (`Self { id: …, id: … }`) are renamed occurrence by occurrence, in field order as typify wrote
//! them.

use std::collections::{BTreeMap, BTreeSet};

use syn::visit_mut::VisitMut;

use crate::naming::snake;

/// Per struct (or `Enum::Variant`) path, per duplicated field name, the name of each occurrence
/// in field order.
type Renames = BTreeMap<String, BTreeMap<String, Vec<syn::Ident>>>;

/// Gives the fields of each struct (and struct-like enum variant) in `items` distinct names, and
/// the struct expressions naming them the same names.
pub(super) fn make_distinct(items: &mut [syn::Item]) {
    let mut renames = Renames::new();
    for item in items.iter_mut() {
        match item {
            syn::Item::Struct(s) => {
                if let syn::Fields::Named(named) = &mut s.fields
                    && let Some(plan) = rename_duplicates(named)
                {
                    renames.insert(s.ident.to_string(), plan);
                }
            }
            syn::Item::Enum(e) => {
                for variant in &mut e.variants {
                    if let syn::Fields::Named(named) = &mut variant.fields
                        && let Some(plan) = rename_duplicates(named)
                    {
                        renames.insert(format!("{}::{}", e.ident, variant.ident), plan);
                    }
                }
            }
            _ => {}
        }
    }
    if renames.is_empty() {
        return;
    }
    let mut visitor = Expressions {
        renames: &renames,
        self_type: None,
    };
    for item in items.iter_mut() {
        visitor.visit_item_mut(item);
    }
}

/// The name of a field's property on the wire: its `serde(rename)`, else its Rust name.
fn wire_name(field: &syn::Field) -> String {
    for attr in &field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let mut found = None;
        // Attributes typify wrote: a parse failure only means no rename is read from this one.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                found = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
        if let Some(name) = found {
            return name;
        }
    }
    field
        .ident
        .as_ref()
        .map(|i| i.to_string().trim_start_matches("r#").to_owned())
        .unwrap_or_default()
}

/// `name` with each character that is neither a letter nor a digit spelled as a word:
/// `_id` → `underscore_id`, `@type` → `at_type`.
fn spelled(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 2);
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.push(c);
            continue;
        }
        let word = match c {
            '_' => "underscore",
            '-' => "dash",
            '@' => "at",
            '$' => "dollar",
            '.' => "dot",
            '/' => "slash",
            '+' => "plus",
            '#' => "hash",
            ':' => "colon",
            '~' => "tilde",
            '!' => "bang",
            '&' => "and",
            ' ' => "space",
            _ => "x",
        };
        out.push(' ');
        out.push_str(word);
        out.push(' ');
    }
    snake(&out)
}

/// Renames the fields of `named` that share a name; the plan of new names, or `None` when every
/// name was distinct.
fn rename_duplicates(named: &mut syn::FieldsNamed) -> Option<BTreeMap<String, Vec<syn::Ident>>> {
    let idents: Vec<String> = named
        .named
        .iter()
        .map(|f| {
            f.ident
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        })
        .collect();
    let mut positions: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, ident) in idents.iter().enumerate() {
        positions.entry(ident).or_default().push(i);
    }
    if positions.values().all(|p| p.len() < 2) {
        return None;
    }
    let mut taken: BTreeSet<String> = idents.iter().cloned().collect();
    let mut new_names: BTreeMap<usize, String> = BTreeMap::new();
    for (ident, at) in positions.iter().filter(|(_, at)| at.len() > 1) {
        let bare = ident.trim_start_matches("r#");
        let fields: Vec<&syn::Field> = at.iter().map(|&i| &named.named[i]).collect();
        let keeper = fields
            .iter()
            .position(|f| wire_name(f) == bare)
            .unwrap_or(0);
        for (k, field) in fields.iter().enumerate() {
            if k == keeper {
                continue;
            }
            let base = spelled(&wire_name(field));
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            taken.insert(name.clone());
            new_names.insert(at[k], name);
        }
    }
    let mut plan: BTreeMap<String, Vec<syn::Ident>> = BTreeMap::new();
    for (i, field) in named.named.iter_mut().enumerate() {
        let Some(old) = field.ident.clone() else {
            continue;
        };
        if positions
            .get(idents[i].as_str())
            .is_none_or(|p| p.len() < 2)
        {
            continue;
        }
        let ident = match new_names.get(&i) {
            Some(name) => {
                let wire = wire_name(field);
                let doc = format!(
                    " Property `{wire}` (`{}` is another property's field).",
                    old.to_string().trim_start_matches("r#")
                );
                let docs = field
                    .attrs
                    .iter()
                    .filter(|a| a.path().is_ident("doc"))
                    .count();
                let at = field
                    .attrs
                    .iter()
                    .rposition(|a| a.path().is_ident("doc"))
                    .map_or(0, |i| i + 1);
                field.attrs.insert(at, syn::parse_quote!(#[doc = #doc]));
                if docs > 0 {
                    field.attrs.insert(at, syn::parse_quote!(#[doc = ""]));
                }
                syn::Ident::new(name, old.span())
            }
            None => old.clone(),
        };
        field.ident = Some(ident.clone());
        plan.entry(old.to_string()).or_default().push(ident);
    }
    Some(plan)
}

/// Renames the fields of struct expressions of the renamed structs.
struct Expressions<'a> {
    renames: &'a Renames,
    /// The type of the `impl` being visited (what `Self` names).
    self_type: Option<String>,
}

impl Expressions<'_> {
    /// The key in `renames` of a struct expression's path.
    fn key(&self, path: &syn::Path) -> Option<String> {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let resolve = |s: &String| {
            if s == "Self" {
                self.self_type.clone()
            } else {
                Some(s.clone())
            }
        };
        match segments.as_slice() {
            [] => None,
            [.., owner, last] if self.renames.contains_key(&format!("{owner}::{last}")) => {
                Some(format!("{owner}::{last}"))
            }
            [.., owner, last] => {
                let owner = resolve(owner)?;
                let key = format!("{owner}::{last}");
                if self.renames.contains_key(&key) {
                    Some(key)
                } else {
                    resolve(last)
                }
            }
            [last] => resolve(last),
        }
    }
}

impl VisitMut for Expressions<'_> {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let outer = self.self_type.take();
        if let syn::Type::Path(p) = &*item.self_ty {
            self.self_type = p.path.segments.last().map(|s| s.ident.to_string());
        }
        syn::visit_mut::visit_item_impl_mut(self, item);
        self.self_type = outer;
    }

    fn visit_expr_struct_mut(&mut self, expr: &mut syn::ExprStruct) {
        if let Some(plan) = self.key(&expr.path).and_then(|k| self.renames.get(&k)) {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for field in &mut expr.fields {
                let syn::Member::Named(ident) = &field.member else {
                    continue;
                };
                let old = ident.to_string();
                let Some(names) = plan.get(&old) else {
                    continue;
                };
                let k = seen.entry(old).or_default();
                if let Some(new) = names.get(*k) {
                    if field.colon_token.is_none() {
                        // Shorthand `Self { id }`: the value keeps the variable's name.
                        field.colon_token = Some(Default::default());
                    }
                    field.member = syn::Member::Named(new.clone());
                }
                *k += 1;
            }
        }
        syn::visit_mut::visit_expr_struct_mut(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(item: &syn::Item) -> Vec<String> {
        let syn::Item::Struct(s) = item else {
            return Vec::new();
        };
        s.fields
            .iter()
            .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
            .collect()
    }

    #[test]
    fn the_field_spelled_as_its_property_keeps_the_name_and_the_other_is_spelled_out() {
        let mut items: Vec<syn::Item> = vec![
            syn::parse_quote! {
                pub struct User {
                    #[serde(rename = "_id")]
                    pub id: String,
                    pub id: String,
                    #[serde(rename = "jobID")]
                    pub job_id: i64,
                    #[serde(rename = "jobId")]
                    pub job_id: i64,
                }
            },
            syn::parse_quote! {
                impl ::std::default::Default for User {
                    fn default() -> Self {
                        Self { id: a(), id: b(), job_id: c(), job_id: d() }
                    }
                }
            },
        ];
        make_distinct(&mut items);
        assert_eq!(
            fields(&items[0]),
            ["underscore_id", "id", "job_id", "job_id_2"]
        );
        let text = quote::quote!(#(#items)*).to_string();
        assert!(
            text.contains("underscore_id : a ()") && text.contains("id : b ()"),
            "{text}"
        );
        assert!(
            text.contains("job_id : c ()") && text.contains("job_id_2 : d ()"),
            "{text}"
        );
        assert!(
            text.contains("rename = \"_id\""),
            "the wire name stays: {text}"
        );
    }

    #[test]
    fn a_spelled_name_already_taken_gets_a_number() {
        let mut items: Vec<syn::Item> = vec![syn::parse_quote! {
            pub struct Thing {
                pub at_id: String,
                #[serde(rename = "@id")]
                pub id: String,
                pub id: String,
            }
        }];
        make_distinct(&mut items);
        assert_eq!(fields(&items[0]), ["at_id", "at_id_2", "id"]);
    }

    #[test]
    fn struct_variants_of_enums_get_distinct_names_too() {
        let mut items: Vec<syn::Item> = vec![
            syn::parse_quote! {
                pub enum Node {
                    Leaf {
                        #[serde(rename = "created-by")]
                        created_by: String,
                        created_by: String,
                    },
                }
            },
            syn::parse_quote! {
                fn make() -> Node {
                    Node::Leaf { created_by: x(), created_by: y() }
                }
            },
        ];
        make_distinct(&mut items);
        let text = quote::quote!(#(#items)*).to_string();
        assert!(
            text.contains("created_dash_by : x ()") && text.contains("created_by : y ()"),
            "{text}"
        );
    }

    #[test]
    fn structs_whose_names_are_distinct_are_left_alone() {
        let original: syn::Item = syn::parse_quote! {
            pub struct Plain { pub id: String, #[serde(rename = "_x")] pub x: i64 }
        };
        let mut items = vec![original.clone()];
        make_distinct(&mut items);
        assert_eq!(items[0], original);
    }
}
