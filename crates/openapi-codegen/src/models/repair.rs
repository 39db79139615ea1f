//! Finding the schemas typify cannot take. typify fails on a whole document (an error, a panic,
//! output that defines a name twice) without saying which schema caused it; this module finds
//! the culprits by building the type space with some schemas replaced, and replaces them: first
//! by the same schema without its `default` values, else by `{}` (`serde_json::Value` under the
//! schema's own name). Only the failure path pays for the search, and before it the defaults
//! typify rejects where a schema read on its own shows it are left out one by one (`defaults`:
//! a large document's usual failure, found in milliseconds per schema rather than a build of
//! the whole document per step).
//!
//! Builds come in two weights (`space`): a rendered build (what the models crate gets) and a
//! read of the schemas into the type space — a fraction of the cost on large documents, so the
//! searches ask it whenever the failure shows there, and a rendered build has the last word.

use std::cell::RefCell;

use proc_macro2::TokenStream;

use super::ModelNames;
use super::defaults;
use super::json_schema::without_defaults;
use super::space::{Named, attempt, read};
use crate::error::{Degradation, Diagnostic, Error, Result, escape_pointer};
use crate::ir::Api;

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
    let mut current = schemas.to_vec();
    let mut warnings = Vec::new();
    let mut error = first;
    // Defaults typify rejects, where a schema read on its own shows it: alone first (cheap),
    // then with the schemas it references while typify still rejects a default.
    for context in [defaults::Context::Alone, defaults::Context::WithReferences] {
        if context == defaults::Context::WithReferences && !is_default_failure(&error) {
            break;
        }
        let left_out = defaults::leave_out_rejected(&mut current, context);
        if left_out.is_empty() {
            continue;
        }
        warnings.extend(left_out);
        match attempt(&current, api) {
            Ok(built) => return Ok((built, warnings)),
            Err(next) => error = next,
        }
    }
    let stripped: Vec<schemars::schema::Schema> = current
        .iter()
        .map(|(_, schema)| {
            serde_json::to_value(schema)
                .ok()
                .and_then(|json| serde_json::from_value(without_defaults(&json)).ok())
                .unwrap_or_else(any_json)
        })
        .collect();
    let mut repaired: Vec<usize> = Vec::new();
    for _ in 0..MAX_STEPS {
        let Some(step) = repair_step(&current, api, &error, &stripped, &repaired) else {
            return Err(error);
        };
        for (i, schema, warning) in step.replacements {
            current[i].1 = schema;
            repaired.push(i);
            warnings.push(warning);
        }
        // The search's last rendered build, when it was of exactly these schemas.
        let built = match step.built {
            Some(built) => built,
            None => attempt(&current, api),
        };
        match built {
            Ok(built) => return Ok((built, warnings)),
            Err(next) => error = next,
        }
    }
    Err(error)
}

/// Whether `error` is typify's about a `default` value (the one it names, or the panic its check
/// of a default on a type it has not converted yet ends in).
fn is_default_failure(error: &Error) -> bool {
    let text = error.to_string();
    text.contains("value does not conform") || text.contains("on a `None` value")
}

/// A rendered build's outcome.
type Built = Result<(TokenStream, ModelNames)>;

/// The last rendered build of a search and the schemas it replaced.
type LastBuild = RefCell<Option<(Vec<usize>, Built)>>;

/// One repair: the schemas to replace (each with its replacement and its warning), and the
/// rendered build of the schemas so replaced when the search already made it.
struct Step {
    replacements: Vec<(usize, schemars::schema::Schema, Diagnostic)>,
    built: Option<Built>,
}

/// The build in `last` when it replaced exactly `found`.
fn built_with(last: LastBuild, found: &[usize]) -> Option<Built> {
    match last.into_inner() {
        Some((replaced, built)) if replaced == found => Some(built),
        _ => None,
    }
}

/// The schemas to replace so that typify gets past `error`, leaving those `repaired` before
/// alone; `None` when no replacement does.
fn repair_step(
    schemas: &[Named],
    api: &Api,
    error: &Error,
    stripped: &[schemars::schema::Schema],
    repaired: &[usize],
) -> Option<Step> {
    // A name defined twice: the culprits are among the schemas whose name the duplicate starts
    // with or whose text mentions it, and only those are searched.
    let (duplicates, built) = duplicate_culprits(schemas, api, error);
    if !duplicates.is_empty() {
        return Some(Step {
            replacements: duplicates
                .into_iter()
                .map(|(i, name)| {
                    let why = format!("typify gives the name `{name}` to two types with it");
                    (i, any_json(), untyped(&schemas[i].0, &why))
                })
                .collect(),
            built,
        });
    }
    // Otherwise first the gentler repair: the same schemas without their `default` values
    // (typify checks them against the type and rejects some); then `{}`. A search's build is
    // the step's only when it replaced none of the schemas repaired before (those it leaves).
    let fresh = |found: &[usize], built: Option<Built>| {
        built.filter(|_| !found.iter().any(|i| repaired.contains(i)))
    };
    let (gentle, built) = search(schemas, api, error, &|i| {
        (!repaired.contains(&i)).then(|| stripped[i].clone())
    });
    if !gentle.is_empty() {
        let built = fresh(&gentle, built);
        return Some(Step {
            built,
            replacements: gentle
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
        });
    }
    let (culprits, built) = search(schemas, api, error, &|i| {
        (!repaired.contains(&i)).then(any_json)
    });
    if culprits.is_empty() {
        return None;
    }
    Some(Step {
        built: fresh(&culprits, built),
        replacements: culprits
            .into_iter()
            .map(|i| {
                let why = format!("typify fails with it ({error})");
                (i, any_json(), untyped(&schemas[i].0, &why))
            })
            .collect(),
    })
}

/// The schemas whose replacement (`replacement(i)`; `None`: left as it is) gets typify past
/// `error`: the rendered build succeeds or fails otherwise (none found: empty). When typify
/// already fails reading the schemas, the search runs on reads and the rendered builds only
/// confirm (or continue) it. With the found schemas, the rendered build of them replaced when
/// the search's last build was that one.
fn search(
    schemas: &[Named],
    api: &Api,
    error: &Error,
    replacement: &dyn Fn(usize) -> Option<schemars::schema::Schema>,
) -> (Vec<usize>, Option<Built>) {
    let with = |replaced: &[usize]| replaced_at(schemas, replaced, replacement);
    let error = error.to_string();
    let past = |e: &Error| e.to_string() != error;
    let reads = |replaced: &[usize]| read(&with(replaced), api).err().is_none_or(|e| past(&e));
    let start = if reads(&[]) {
        Vec::new()
    } else {
        bisect(schemas.len(), &reads, Vec::new())
    };
    let last: LastBuild = RefCell::new(None);
    let found = bisect(
        schemas.len(),
        &|replaced| {
            let built = attempt(&with(replaced), api);
            let works = built.as_ref().err().is_none_or(&past);
            *last.borrow_mut() = Some((replaced.to_vec(), built));
            works
        },
        start,
    );
    let built = built_with(last, &found);
    (found, built)
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
/// runs). With them, that last rendered build.
///
/// A name's candidates are the schemas whose name it starts with (typify names an inline schema
/// after its parent and the property: `Repo.owner` is `RepoOwner`) or whose text mentions it.
/// Every name the type space shows twice is bisected among its candidates at once, one read per
/// step for all of them; rounds repeat while names remain.
fn duplicate_culprits(
    schemas: &[Named],
    api: &Api,
    first: &Error,
) -> (Vec<(usize, String)>, Option<Built>) {
    const MAX_ROUNDS: usize = 32;
    let Some(rendered) = name_defined_twice(first) else {
        return (Vec::new(), None);
    };
    let twice = |replaced: &[usize]| read(&untyped_at(schemas, replaced), api).ok();
    let mut names = match twice(&[]) {
        Some(names) if names.contains(&rendered) => names,
        _ => return (Vec::new(), None),
    };
    let keys: Vec<String> = schemas.iter().map(|(name, _)| squashed(name)).collect();
    let texts: Vec<String> = schemas
        .iter()
        .map(|(_, s)| squashed(&serde_json::to_string(s).unwrap_or_default()))
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
            _ => return (Vec::new(), None),
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
                return (Vec::new(), None);
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
                    Err(e) if name_defined_twice(&e).is_some() => (Vec::new(), None),
                    built => (found, Some(built)),
                };
            }
            None => return (Vec::new(), None),
        }
    }
    (Vec::new(), None)
}
