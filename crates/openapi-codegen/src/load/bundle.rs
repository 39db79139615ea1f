//! Documents in many files: `$ref`s into other files (relative to the file that holds them;
//! JSON or YAML; with or without a fragment) are followed and the whole is bundled into one
//! self-contained document. A schema from another file becomes a component schema (named after
//! its fragment's last segment or its file, a name already taken getting `_2`, `_3`, … with a
//! warning), so references into it — cycles across files included — stay references; anything
//! else referenced (path items, parameters, responses, bodies, examples) is inlined. A file
//! reached by two paths is read once. Remote (`http(s)://`) references are an error: nothing is
//! fetched at generation time. Every problem names the file and the pointer.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Diagnostic, Error, Result, escape_pointer};

/// Reads a file of the document (from disk, or from a git revision).
pub type ReadFile<'a> = &'a dyn Fn(&Path) -> std::io::Result<String>;

/// A bundled document.
#[derive(Debug, Clone)]
pub struct Bundled {
    /// The single self-contained document.
    pub document: Value,
    /// Every file read, root first (lexically normalized paths).
    pub files: Vec<PathBuf>,
    /// Where parts of the bundle came from: a pointer into the bundle and the `file#pointer`
    /// it was copied from.
    pub sources: Vec<(String, String)>,
    /// Findings that did not stop bundling (renamed schemas).
    pub warnings: Vec<Diagnostic>,
}

/// Whether `document` refers to another file anywhere.
pub fn has_external_refs(document: &Value) -> bool {
    match document {
        Value::Object(map) => map.iter().any(|(k, v)| {
            (k == "$ref" && v.as_str().is_some_and(|r| !r.starts_with('#'))) || has_external_refs(v)
        }),
        Value::Array(items) => items.iter().any(has_external_refs),
        _ => false,
    }
}

/// Bundles the document whose root file is `root` (already parsed as `document`).
pub fn bundle(root: &Path, document: Value, read: ReadFile<'_>) -> Result<Bundled> {
    let root = normalize(root);
    let mut bundler = Bundler {
        read,
        root: root.clone(),
        files: vec![(root.clone(), document.clone())].into_iter().collect(),
        order: vec![root.clone()],
        names: HashMap::new(),
        taken: document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default(),
        schemas: Vec::new(),
        inlining: Vec::new(),
        sources: Vec::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    let mut document = document;
    bundler.walk(&mut document, &root, "", Context::Document);
    if !bundler.errors.is_empty() {
        return Err(Error::Invalid(bundler.errors));
    }
    if !bundler.schemas.is_empty() {
        let Some(root_map) = document.as_object_mut() else {
            return Err(Error::Invalid(vec![Diagnostic::error(
                "",
                "the document must be a JSON object",
            )]));
        };
        let components = root_map
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(components) = components.as_object_mut() {
            let schemas = components
                .entry("schemas")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(schemas) = schemas.as_object_mut() {
                for (name, value) in std::mem::take(&mut bundler.schemas) {
                    schemas.insert(name, value.unwrap_or(Value::Object(Map::new())));
                }
            }
        }
    }
    Ok(Bundled {
        document,
        files: bundler.order,
        sources: bundler.sources,
        warnings: bundler.warnings,
    })
}

/// Where a value sits, for deciding what a `$ref` in it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Outside any schema.
    Document,
    /// `components` (its `schemas` hold schemas).
    Components,
    /// A schema (references into other files become component schemas).
    Schema,
    /// Data (examples, defaults, enums): never rewritten.
    Data,
}

struct Bundler<'a> {
    read: ReadFile<'a>,
    root: PathBuf,
    files: BTreeMap<PathBuf, Value>,
    order: Vec<PathBuf>,
    /// (file, fragment) → the component name its schema was given.
    names: HashMap<(PathBuf, String), String>,
    taken: std::collections::BTreeSet<String>,
    /// New component schemas in the order they were met (`None` while being walked).
    schemas: Vec<(String, Option<Value>)>,
    /// The (file, fragment)s being inlined, to refuse a cycle of non-schema references.
    inlining: Vec<(PathBuf, String)>,
    sources: Vec<(String, String)>,
    warnings: Vec<Diagnostic>,
    errors: Vec<Diagnostic>,
}

impl Bundler<'_> {
    /// Rewrites the references of `value` (found in `file` at `pointer`).
    fn walk(&mut self, value: &mut Value, file: &Path, pointer: &str, context: Context) {
        if context == Context::Data {
            return;
        }
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let reference = reference.clone();
                    self.reference(value, &reference, file, pointer, context);
                    return;
                }
                for (key, child) in map.iter_mut() {
                    let here = format!("{pointer}/{}", escape_pointer(key));
                    let inner = child_context(context, key, pointer);
                    if context == Context::Schema && key == "discriminator" {
                        self.mapping(child, file, &here);
                        continue;
                    }
                    self.walk(child, file, &here, inner);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk(item, file, &format!("{pointer}/{i}"), context);
                }
            }
            _ => {}
        }
    }

    /// A `$ref` object at `pointer` of `file`.
    fn reference(
        &mut self,
        value: &mut Value,
        reference: &str,
        file: &Path,
        pointer: &str,
        context: Context,
    ) {
        let at = self.at(file, &format!("{pointer}/$ref"));
        let Some((target_file, fragment)) = self.target(reference, file, &at) else {
            return;
        };
        if target_file == self.root {
            // Into the root document: an internal reference.
            set_ref(value, format!("#{fragment}"));
            return;
        }
        if context == Context::Schema || is_schema_fragment(&fragment) {
            if let Some(name) = self.schema(&target_file, &fragment, &at) {
                set_ref(
                    value,
                    format!("#/components/schemas/{}", escape_pointer(&name)),
                );
            }
            return;
        }
        let key = (target_file.clone(), fragment.clone());
        if self.inlining.contains(&key) {
            self.errors.push(Diagnostic::error(
                at,
                format!("`{reference}` refers back to itself through other files, outside a schema: it cannot be inlined"),
            ));
            return;
        }
        let Some(mut target) = self.resolve(&target_file, &fragment, &at) else {
            return;
        };
        self.inlining.push(key);
        self.walk(&mut target, &target_file, &fragment, context);
        self.inlining.pop();
        if file == self.root {
            // Bundle pointers are root pointers; a reference inside another file is located
            // by the root's reference that brought that file in.
            self.sources
                .push((pointer.to_owned(), self.at(&target_file, &fragment)));
        }
        // Siblings of the `$ref` (a `description`, say) are kept over the target's.
        if let (Value::Object(siblings), Value::Object(target_map)) = (&*value, &mut target) {
            for (k, v) in siblings.iter().filter(|(k, _)| *k != "$ref") {
                target_map.insert(k.clone(), v.clone());
            }
        }
        *value = target;
    }

    /// `discriminator.mapping` values naming schemas in other files.
    fn mapping(&mut self, discriminator: &mut Value, file: &Path, pointer: &str) {
        let Some(mapping) = discriminator
            .get_mut("mapping")
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        for (key, target) in mapping.iter_mut() {
            let Some(reference) = target.as_str().map(str::to_owned) else {
                continue;
            };
            if !reference.contains(".json")
                && !reference.contains(".yaml")
                && !reference.contains(".yml")
                && !reference.starts_with('#')
            {
                continue; // a schema name, not a reference
            }
            let at = self.at(file, &format!("{pointer}/mapping/{}", escape_pointer(key)));
            let Some((target_file, fragment)) = self.target(&reference, file, &at) else {
                continue;
            };
            if target_file == self.root {
                *target = Value::String(format!("#{fragment}"));
            } else if let Some(name) = self.schema(&target_file, &fragment, &at) {
                *target = Value::String(format!("#/components/schemas/{}", escape_pointer(&name)));
            }
        }
    }

    /// The file and fragment `reference` (found in `file`) names.
    fn target(&mut self, reference: &str, file: &Path, at: &str) -> Option<(PathBuf, String)> {
        let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        if path.contains("://") || path.starts_with("//") {
            self.errors.push(Diagnostic::error(
                at,
                format!("`{reference}` is a remote reference: nothing is fetched at generation time (download the file and refer to it by a relative path)"),
            ));
            return None;
        }
        let fragment = crate::error::decode_fragment(fragment);
        let target = if path.is_empty() {
            file.to_path_buf()
        } else {
            normalize(&file.parent().unwrap_or(Path::new("")).join(path))
        };
        Some((target, fragment))
    }

    /// The component name of the schema at `fragment` of `file`, bundling it the first time.
    fn schema(&mut self, file: &Path, fragment: &str, at: &str) -> Option<String> {
        let key = (file.to_path_buf(), fragment.to_owned());
        if let Some(name) = self.names.get(&key) {
            return Some(name.clone());
        }
        let mut target = self.resolve(file, fragment, at)?;
        let base = schema_name(file, fragment);
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        if name != base {
            self.warnings.push(Diagnostic::warning(
                self.at(file, fragment),
                format!("schema `{base}` of {} has the name of another schema: it is bundled as `{name}`", self.display(file)),
            ));
        }
        self.taken.insert(name.clone());
        self.names.insert(key, name.clone());
        let slot = self.schemas.len();
        self.schemas.push((name.clone(), None));
        self.walk(&mut target, file, fragment, Context::Schema);
        self.schemas[slot].1 = Some(target);
        self.sources.push((
            format!("/components/schemas/{}", escape_pointer(&name)),
            self.at(file, fragment),
        ));
        Some(name)
    }

    /// The value at `fragment` of `file` (read and parsed once).
    fn resolve(&mut self, file: &Path, fragment: &str, at: &str) -> Option<Value> {
        if !self.files.contains_key(file) {
            let text = match (self.read)(file) {
                Ok(text) => text,
                Err(e) => {
                    self.errors.push(Diagnostic::error(
                        at,
                        format!("cannot read {}: {e}", self.display(file)),
                    ));
                    return None;
                }
            };
            let parsed = match super::parse_text(&text, super::is_yaml_path(file)) {
                Ok(v) => v,
                Err(e) => {
                    self.errors.push(Diagnostic::error(
                        at,
                        format!("{} does not parse: {e}", self.display(file)),
                    ));
                    return None;
                }
            };
            self.files.insert(file.to_path_buf(), parsed);
            self.order.push(file.to_path_buf());
        }
        let doc = self.files.get(file)?;
        match doc.pointer(fragment) {
            Some(v) => Some(v.clone()),
            None => {
                self.errors.push(Diagnostic::error(
                    at,
                    format!("{} has nothing at `#{fragment}`", self.display(file)),
                ));
                None
            }
        }
    }

    /// `file#pointer`, the file relative to the root's directory.
    fn at(&self, file: &Path, pointer: &str) -> String {
        format!("{}#{pointer}", self.relative(file))
    }

    fn display(&self, file: &Path) -> String {
        format!("`{}`", self.relative(file))
    }

    fn relative(&self, file: &Path) -> String {
        let base = self.root.parent().unwrap_or(Path::new(""));
        file.strip_prefix(base)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/")
    }
}

/// The context of `key`'s value inside a value of `context` at `pointer`.
fn child_context(context: Context, key: &str, pointer: &str) -> Context {
    match context {
        Context::Data => Context::Data,
        Context::Schema => match key {
            "example" | "examples" | "default" | "enum" | "const" => Context::Data,
            _ => Context::Schema,
        },
        Context::Components if key == "schemas" => Context::Schema,
        Context::Components => Context::Document,
        Context::Document => match key {
            "components" if pointer.is_empty() => Context::Components,
            "schema" => Context::Schema,
            // An example's value is data; `default` here is a response, `value` may be a name.
            "example" => Context::Data,
            _ => Context::Document,
        },
    }
}

/// Whether a fragment names a schema by its place (`/components/schemas/X`, `/definitions/X`).
fn is_schema_fragment(fragment: &str) -> bool {
    fragment.starts_with("/components/schemas/")
        || fragment.starts_with("/definitions/")
        || fragment.starts_with("/$defs/")
}

/// A component name for the schema at `fragment` of `file`: its last segment, or the file's
/// stem; characters a component name cannot hold become `_`.
fn schema_name(file: &Path, fragment: &str) -> String {
    let raw = fragment
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            file.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Schema".to_owned())
        });
    let name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "Schema".into()
    } else {
        name
    }
}

fn set_ref(value: &mut Value, reference: String) {
    if let Value::Object(map) = value {
        map.insert("$ref".into(), Value::String(reference));
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (so that a file reached by two
/// paths is one file, on disk or in a git revision alike).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let climbable = matches!(out.components().next_back(), Some(Component::Normal(_)));
                if climbable {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
