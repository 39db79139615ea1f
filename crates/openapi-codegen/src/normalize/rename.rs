//! Deterministic renaming of what would collide in Rust (component schemas, operationIds), and
//! hoisting of inline schemas that would become named types into the components.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::Normalizer;
use crate::error::{Diagnostic, escape_pointer};
use crate::ir::Operation;
use crate::naming::{method_name, rust_type_name};

impl Normalizer<'_> {
    /// Component names whose Rust (PascalCase) names collide get a numeric suffix, in document order.
    pub(super) fn plan_renames(&mut self) {
        let mut taken = BTreeSet::new();
        let Some(components) = self
            .root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return;
        };
        for name in components.keys() {
            let rust = rust_type_name(name);
            let mut candidate = name.clone();
            let mut n = 2;
            while !taken.insert(rust_type_name(&candidate)) {
                candidate = format!("{name}{n}");
                n += 1;
            }
            if candidate != *name {
                self.diags.push(Diagnostic::warning(
                    format!("/components/schemas/{}", escape_pointer(name)),
                    format!("schema `{name}` becomes Rust type `{rust}`, which another schema already uses: it is generated as `{}`", rust_type_name(&candidate)),
                ));
            }
            self.renames.insert(name.clone(), candidate);
        }
        self.component_rust_names = taken;
    }

    /// Operations whose ids map to one Rust method name: later ones (in document order) get a
    /// numeric suffix, with a warning; so do exact duplicates (which OpenAPI forbids).
    pub(super) fn resolve_duplicate_ids(&mut self, operations: &mut [Operation]) {
        let mut exact: BTreeSet<String> = BTreeSet::new();
        let mut methods: BTreeMap<String, String> = BTreeMap::new();
        for op in operations.iter_mut() {
            if exact.contains(&op.id) {
                // OpenAPI forbids it, but documents do it (often through a path item `$ref`
                // used twice): the later one is renamed, with a warning.
                let mut n = 2;
                let renamed = loop {
                    let candidate = format!("{}_{n}", op.id);
                    if !exact.contains(&candidate)
                        && !methods.contains_key(&method_name(&candidate))
                    {
                        break candidate;
                    }
                    n += 1;
                };
                self.diags.push(
                    Diagnostic::warning(
                        format!("{}/operationId", op.pointer),
                        format!(
                            "operationId `{}` is used twice (operationIds must be unique): this one is generated as `{renamed}`",
                            op.id
                        ),
                    )
                    .in_operation(Some(&op.id)),
                );
                op.id = renamed;
            }
            exact.insert(op.id.clone());
            let key = method_name(&op.id);
            let Some(first) = methods.get(&key).cloned() else {
                methods.insert(key, op.id.clone());
                continue;
            };
            let mut n = 2;
            let renamed = loop {
                let candidate = format!("{}_{n}", op.id);
                if !methods.contains_key(&method_name(&candidate)) && !exact.contains(&candidate) {
                    break candidate;
                }
                n += 1;
            };
            self.diags.push(
                Diagnostic::warning(
                    format!("{}/operationId", op.pointer),
                    format!("operationId `{}` maps to the method name `{key}`, as `{first}` does: it is generated as `{renamed}`", op.id),
                )
                .in_operation(Some(&op.id)),
            );
            methods.insert(method_name(&renamed), renamed.clone());
            exact.insert(renamed.clone());
            op.id = renamed;
        }
    }

    /// Moves a schema that would become a named type into the components, under `name` (or
    /// `name2`, `name3`, … when taken); returns the reference that replaces it.
    pub(super) fn hoist(&mut self, schema: Value, name: &str, pointer: &str) -> Value {
        if super::schema::is_plain(&schema) {
            return schema;
        }
        let mut candidate = name.to_owned();
        let mut n = 2;
        while self.hoisted.contains_key(&candidate)
            || self
                .component_rust_names
                .contains(&rust_type_name(&candidate))
        {
            if self.hoisted.get(&candidate) == Some(&schema) {
                return json!({ "$ref": format!("#/components/schemas/{candidate}") });
            }
            candidate = format!("{name}{n}");
            n += 1;
        }
        self.hoisted.insert(candidate.clone(), schema);
        self.hoisted_pointers
            .insert(candidate.clone(), pointer.to_owned());
        json!({ "$ref": format!("#/components/schemas/{candidate}") })
    }
}
