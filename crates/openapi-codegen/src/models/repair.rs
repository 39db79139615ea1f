//! Finding the schemas typify cannot take. typify fails on a whole document (an error, a panic,
//! output that defines a name twice) without saying which schema caused it; this module finds
//! the culprits by building the type space with some schemas replaced, and replaces them: first
//! by the same schema without its `default` values, else by `{}` (`serde_json::Value` under the
//! schema's own name). Only the failure path pays for the search.
//!
//! Builds come in two weights: [`attempt`] renders the type space and checks the output (what
//! the models crate gets), [`read`] only reads the schemas into it and lists the names given to
//! two types — a fraction of the cost on large documents, so the searches ask it whenever the
//! failure shows there, and a rendered build has the last word.

use std::collections::{BTreeSet, HashSet};

use proc_macro2::TokenStream;
use serde_json::json;
use typify::{TypeSpace, TypeSpaceSettings};

use super::ModelNames;
use super::json_schema::{to_json_schema, without_defaults};
use crate::error::{Degradation, Diagnostic, Error, Result, catch_backend, escape_pointer};
use crate::ir::Api;

/// One component schema as typify reads it, under its name.
pub(super) type Named = (String, schemars::schema::Schema);

/// `{}`: any JSON value. An empty schema object rather than `true`: typify merges `true` into
/// an `allOf` beside it by taking the other schema whole, description included, and then
/// panics (`merged_schema.metadata.is_none()`); an empty object merges like any other.
pub(super) fn any_json() -> schemars::schema::Schema {
    schemars::schema::Schema::Object(schemars::schema::SchemaObject::default())
}

/// The warning for a schema generated as `serde_json::Value`.
pub(super) fn untyped(name: &str, why: &str) -> Diagnostic {
    Diagnostic::warning(
        format!("/components/schemas/{}", escape_pointer(name)),
        format!("schema `{name}` is generated as `serde_json::Value`: {why}"),
    )
    .degrading(Degradation::UntypedSchema(name.to_owned()))
}

/// The models built from `schemas` after typify's failure `first`, with the culprits replaced
/// and a warning for each. One failure is repaired at a time (a document can have several
/// kinds: a panic on one schema, a name given twice by another), so each warning names the
/// failure its schema caused; the last failure when no replacement gets past it.
pub(super) fn repair(
    schemas: &[Named],
    api: &Api,
    first: Error,
) -> Result<((TokenStream, ModelNames), Vec<Diagnostic>)> {
    const MAX_STEPS: usize = 8;
    let stripped: Vec<schemars::schema::Schema> = api
        .schemas
        .values()
        .map(|schema| {
            let converted = without_defaults(&to_json_schema(&schema.json));
            serde_json::from_value(converted).unwrap_or(any_json())
        })
        .collect();
    let mut current = schemas.to_vec();
    let mut repaired: Vec<usize> = Vec::new();
    let mut warnings = Vec::new();
    let mut error = first;
    for _ in 0..MAX_STEPS {
        let Some(step) = repair_step(&current, api, &error, &stripped, &repaired) else {
            return Err(error);
        };
        for (i, schema, warning) in step {
            current[i].1 = schema;
            repaired.push(i);
            warnings.push(warning);
        }
        match attempt(&current, api) {
            Ok(built) => return Ok((built, warnings)),
            Err(next) => error = next,
        }
    }
    Err(error)
}

/// The schemas to replace so that typify gets past `error` (each with its replacement and its
/// warning), leaving those `repaired` before alone; `None` when no replacement does.
fn repair_step(
    schemas: &[Named],
    api: &Api,
    error: &Error,
    stripped: &[schemars::schema::Schema],
    repaired: &[usize],
) -> Option<Vec<(usize, schemars::schema::Schema, Diagnostic)>> {
    // A name defined twice: the culprits are among the schemas whose name the duplicate starts
    // with or whose text mentions it, and only those are searched.
    let duplicates = duplicate_culprits(schemas, api, error);
    if !duplicates.is_empty() {
        return Some(
            duplicates
                .into_iter()
                .map(|(i, name)| {
                    let why = format!("typify gives the name `{name}` to two types with it");
                    (i, any_json(), untyped(&schemas[i].0, &why))
                })
                .collect(),
        );
    }
    // Otherwise first the gentler repair: the same schemas without their `default` values
    // (typify checks them against the type and rejects some); then `{}`.
    let gentle = search(schemas, api, error, &|i| {
        (!repaired.contains(&i)).then(|| stripped[i].clone())
    });
    if !gentle.is_empty() {
        return Some(
            gentle
                .into_iter()
                .map(|i| {
                    let name = &schemas[i].0;
                    let warning = Diagnostic::warning(
                        format!("/components/schemas/{}", escape_pointer(name)),
                        format!("schema `{name}`: its `default` values are left out of the generated type (typify rejects them: {error})"),
                    );
                    (i, stripped[i].clone(), warning)
                })
                .collect(),
        );
    }
    let culprits = search(schemas, api, error, &|i| {
        (!repaired.contains(&i)).then(any_json)
    });
    if culprits.is_empty() {
        return None;
    }
    Some(
        culprits
            .into_iter()
            .map(|i| {
                let why = format!("typify fails with it ({error})");
                (i, any_json(), untyped(&schemas[i].0, &why))
            })
            .collect(),
    )
}

/// typify's settings for the models.
fn type_space_settings() -> TypeSpaceSettings {
    let mut settings = TypeSpaceSettings::default();
    // Builders (`X::builder().field(v)`) let callers set only what they need, so a new field in
    // the document never breaks code that builds a model.
    settings
        .with_derive("PartialEq".to_owned())
        .with_map_type("::std::collections::BTreeMap")
        .with_struct_builder(true);
    settings
}

/// The type space of `schemas` with every schema of the document (`keys`) named in it.
fn type_space(schemas: Vec<Named>, keys: &[String]) -> Result<(TypeSpace, ModelNames)> {
    let mut space = TypeSpace::new(&type_space_settings());
    let present: HashSet<String> = schemas.iter().map(|(n, _)| n.clone()).collect();
    space
        .add_ref_types(schemas)
        .map_err(|e| Error::backend("typify", e.to_string()))?;
    let mut names = indexmap::IndexMap::new();
    for name in keys.iter().filter(|k| present.contains(*k)) {
        names.insert(name.clone(), type_name_of(&mut space, name)?);
    }
    Ok((space, ModelNames(names)))
}

/// Builds the type space of `schemas`, names every schema of `api` in it and renders it;
/// typify's errors and panics (rendering panics on some schemas it accepted) and output that
/// defines a name twice become errors.
pub(super) fn attempt(schemas: &[Named], api: &Api) -> Result<(TokenStream, ModelNames)> {
    let schemas = schemas.to_vec();
    let keys: Vec<String> = api.schemas.keys().cloned().collect();
    catch_backend("typify", move || {
        let (space, names) = type_space(schemas, &keys)?;
        let rendered = space.to_stream();
        if let Some(name) = defined_twice(&rendered) {
            // typify's output would not compile: a failure like any other, searched for.
            return Err(Error::backend(
                "typify",
                format!("the models define `{name}` twice"),
            ));
        }
        Ok((rendered, names))
    })
}

/// Reads `schemas` into a type space and names every schema of `api` in it, without rendering:
/// the names typify gives to two types (structs, enums, newtypes), sorted, or typify's error.
fn read(schemas: &[Named], api: &Api) -> Result<BTreeSet<String>> {
    let schemas = schemas.to_vec();
    let keys: Vec<String> = api.schemas.keys().cloned().collect();
    catch_backend("typify", move || {
        let (space, _) = type_space(schemas, &keys)?;
        let mut seen = HashSet::new();
        Ok(space
            .iter_types()
            .filter(|t| {
                matches!(
                    t.details(),
                    typify::TypeDetails::Struct(_)
                        | typify::TypeDetails::Enum(_)
                        | typify::TypeDetails::Newtype(_)
                )
            })
            .map(|t| t.name())
            .filter(|name| !seen.insert(name.clone()))
            .collect())
    })
}

/// The schemas whose replacement (`replacement(i)`; `None`: left as it is) gets typify past
/// `error`: the rendered build succeeds or fails otherwise (none found: empty). When typify
/// already fails reading the schemas, the search runs on reads and the rendered builds only
/// confirm (or continue) it.
fn search(
    schemas: &[Named],
    api: &Api,
    error: &Error,
    replacement: &dyn Fn(usize) -> Option<schemars::schema::Schema>,
) -> Vec<usize> {
    let with = |replaced: &[usize]| replaced_at(schemas, replaced, replacement);
    let error = error.to_string();
    let past = |e: &Error| e.to_string() != error;
    let reads = |replaced: &[usize]| read(&with(replaced), api).err().is_none_or(|e| past(&e));
    let start = if reads(&[]) {
        Vec::new()
    } else {
        bisect(schemas.len(), &reads, Vec::new())
    };
    bisect(
        schemas.len(),
        &|replaced| attempt(&with(replaced), api).err().is_none_or(|e| past(&e)),
        start,
    )
}

/// The indices (of `n`) whose replacement makes `works` hold, found by bisection from the
/// culprits already `found`: each further culprit costs about log2(n) builds. Empty when
/// replacing every schema does not help or more than 32 would be needed.
fn bisect(n: usize, works: &dyn Fn(&[usize]) -> bool, mut found: Vec<usize>) -> Vec<usize> {
    const MAX_CULPRITS: usize = 32;
    while found.len() < MAX_CULPRITS {
        if works(&found) {
            return found;
        }
        let candidates: Vec<usize> = (0..n).filter(|i| !found.contains(i)).collect();
        let with_prefix = |k: usize| {
            let mut trial = found.clone();
            trial.extend_from_slice(&candidates[..k]);
            works(&trial)
        };
        if candidates.is_empty() || !with_prefix(candidates.len()) {
            // Replacing every schema does not help: the failure is not one of theirs.
            return Vec::new();
        }
        // The shortest prefix of the candidates whose replacement fixes the build: its last
        // schema is a culprit (prefix `lo` fails, prefix `hi` works).
        let (mut lo, mut hi) = (0, candidates.len());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if with_prefix(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        found.push(candidates[hi - 1]);
    }
    if works(&found) { found } else { Vec::new() }
}

/// `schemas` with each at `replaced` replaced by `replacement(i)` (`None`: left as it is).
fn replaced_at(
    schemas: &[Named],
    replaced: &[usize],
    replacement: &dyn Fn(usize) -> Option<schemars::schema::Schema>,
) -> Vec<Named> {
    let mut copy = schemas.to_vec();
    for &i in replaced {
        if let Some(schema) = replacement(i) {
            copy[i].1 = schema;
        }
    }
    copy
}

/// `schemas` with those at `replaced` made `{}` (any JSON value).
fn untyped_at(schemas: &[Named], replaced: &[usize]) -> Vec<Named> {
    replaced_at(schemas, replaced, &|_| Some(any_json()))
}

/// The name a "defines `N` twice" failure names.
fn name_defined_twice(error: &Error) -> Option<String> {
    let Error::Backend { message, .. } = error else {
        return None;
    };
    let rest = message.split("the models define `").nth(1)?;
    Some(rest.split('`').next()?.to_owned())
}

/// Letters and digits only, lower-cased: how a Rust type name and the keys and words it was
/// made from compare (`AutoMerge` ~ `auto-merge` ~ `auto_merge`).
fn squashed(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The schemas to make `{}` so that typify stops giving one name to two types, each with the
/// name it was found for; empty when `first` is not such a failure, the type space does not
/// show it, or the search does not end in a rendered build that works (then the general search
/// runs).
///
/// A name's candidates are the schemas whose name it starts with (typify names an inline schema
/// after its parent and the property: `Repo.owner` is `RepoOwner`) or whose text mentions it.
/// Every name the type space shows twice is bisected among its candidates at once, one read per
/// step for all of them; rounds repeat while names remain.
fn duplicate_culprits(schemas: &[Named], api: &Api, first: &Error) -> Vec<(usize, String)> {
    const MAX_ROUNDS: usize = 32;
    let Some(rendered) = name_defined_twice(first) else {
        return Vec::new();
    };
    let twice = |replaced: &[usize]| read(&untyped_at(schemas, replaced), api).ok();
    let mut names = match twice(&[]) {
        Some(names) if names.contains(&rendered) => names,
        _ => return Vec::new(),
    };
    let keys: Vec<String> = schemas.iter().map(|(name, _)| squashed(name)).collect();
    let texts: Vec<String> = api
        .schemas
        .values()
        .map(|s| squashed(&s.json.to_string()))
        .collect();
    let indices = |found: &[(usize, String)]| found.iter().map(|(i, _)| *i).collect::<Vec<_>>();
    let mut found: Vec<(usize, String)> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let searches: Vec<(String, Vec<usize>)> = names
            .into_iter()
            .map(|name| {
                let wanted = squashed(&name);
                let candidates = (0..schemas.len())
                    .filter(|i| !found.iter().any(|(f, _)| f == i))
                    .filter(|&i| {
                        (!keys[i].is_empty() && wanted.starts_with(&keys[i]))
                            || texts.get(i).is_some_and(|t| t.contains(&wanted))
                    })
                    .collect();
                (name, candidates)
            })
            .collect();
        // Replacing every candidate must remove every name, else this search cannot tell.
        let everything: Vec<usize> = indices(&found)
            .into_iter()
            .chain(searches.iter().flat_map(|(_, c)| c.iter().copied()))
            .collect();
        match twice(&everything) {
            Some(left)
                if searches
                    .iter()
                    .all(|(name, c)| !c.is_empty() && !left.contains(name)) => {}
            _ => return Vec::new(),
        }
        // Per name, the shortest prefix of its candidates whose replacement removes it (prefix
        // `lo` keeps it, prefix `hi` does not): its last schema is a culprit.
        let mut bounds: Vec<(usize, usize)> = searches.iter().map(|(_, c)| (0, c.len())).collect();
        while bounds.iter().any(|(lo, hi)| hi - lo > 1) {
            let mids: Vec<usize> = bounds
                .iter()
                .map(|&(lo, hi)| if hi - lo > 1 { lo + (hi - lo) / 2 } else { hi })
                .collect();
            let replaced: Vec<usize> = indices(&found)
                .into_iter()
                .chain(
                    searches
                        .iter()
                        .zip(&mids)
                        .flat_map(|((_, c), &mid)| c[..mid].iter().copied()),
                )
                .collect();
            let Some(left) = twice(&replaced) else {
                return Vec::new();
            };
            for ((name, _), (bound, &mid)) in searches.iter().zip(bounds.iter_mut().zip(&mids)) {
                if bound.1 - bound.0 > 1 {
                    if left.contains(name) {
                        bound.0 = mid;
                    } else {
                        bound.1 = mid;
                    }
                }
            }
        }
        for ((name, candidates), &(_, hi)) in searches.iter().zip(&bounds) {
            let culprit = candidates[hi - 1];
            if !found.iter().any(|(f, _)| *f == culprit) {
                found.push((culprit, name.clone()));
            }
        }
        // The names left, from the type space; once it shows none, the rendered build has the
        // last word.
        match twice(&indices(&found)) {
            Some(left) if !left.is_empty() => names = left,
            Some(_) => {
                // Past the duplicates (a failure of another kind is the next step's).
                return match attempt(&untyped_at(schemas, &indices(&found)), api) {
                    Err(e) if name_defined_twice(&e).is_some() => Vec::new(),
                    _ => found,
                };
            }
            None => return Vec::new(),
        }
    }
    Vec::new()
}

/// A name typify's output defines twice in one module (top level or nested), if any.
fn defined_twice(tokens: &TokenStream) -> Option<String> {
    fn scan(items: &[syn::Item]) -> Option<String> {
        let mut seen = HashSet::new();
        for item in items {
            let name = match item {
                syn::Item::Struct(i) => Some(i.ident.to_string()),
                syn::Item::Enum(i) => Some(i.ident.to_string()),
                syn::Item::Type(i) => Some(i.ident.to_string()),
                syn::Item::Fn(i) => Some(i.sig.ident.to_string()),
                syn::Item::Const(i) => Some(i.ident.to_string()),
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content
                        && let Some(twice) = scan(inner)
                    {
                        return Some(twice);
                    }
                    Some(m.ident.to_string())
                }
                _ => None,
            };
            if let Some(name) = name
                && !seen.insert(name.clone())
            {
                return Some(name);
            }
        }
        None
    }
    let file = syn::parse2::<syn::File>(tokens.clone()).ok()?;
    scan(&file.items)
}

/// The Rust name typify gives component schema `name`.
fn type_name_of(space: &mut TypeSpace, name: &str) -> Result<String> {
    let typify = |e: &dyn std::fmt::Display| Error::backend("typify", e.to_string());
    let reference: schemars::schema::Schema =
        serde_json::from_value(json!({ "$ref": format!("#/components/schemas/{name}") }))
            .map_err(|e| typify(&e))?;
    let id = space.add_type(&reference).map_err(|e| typify(&e))?;
    let ty = space.get_type(&id).map_err(|e| typify(&e))?;
    Ok(ty.name())
}
