//! Operation-level comparison: pairing operations across documents, then their parameters,
//! request bodies, responses, security and deprecation. Schemas go to [`super::schemas`].

use std::collections::{BTreeSet, HashSet};

use super::change::{ChangeKind, Party};
use super::differ::{Differ, Site};
use super::schemas::{Direction, Pointers, SchemaDiff};
use crate::ir::{Operation, Param, Response, Schema, Security};
use crate::status::Status;

impl Differ<'_> {
    /// Pairs operations (by operationId, then by method and path) and compares each pair.
    pub fn run(&mut self) {
        let (old, new) = (self.old, self.new);
        let mut paired_old = BTreeSet::new();
        let mut paired_new = BTreeSet::new();
        let mut pairs = Vec::new();
        for (i, o) in old.operations.iter().enumerate() {
            if let Some(j) = new.operations.iter().position(|n| n.id == o.id) {
                pairs.push((i, j));
                paired_old.insert(i);
                paired_new.insert(j);
            }
        }
        for (i, o) in old.operations.iter().enumerate() {
            if paired_old.contains(&i) {
                continue;
            }
            let found =
                new.operations.iter().enumerate().find(|(j, n)| {
                    !paired_new.contains(j) && n.method == o.method && n.path == o.path
                });
            if let Some((j, _)) = found {
                pairs.push((i, j));
                paired_old.insert(i);
                paired_new.insert(j);
            }
        }
        pairs.sort_by_key(|&(_, j)| j);
        for (i, o) in old.operations.iter().enumerate() {
            if !paired_old.contains(&i) {
                let site = Site {
                    operation: Some(o.id.clone()),
                };
                self.push(
                    ChangeKind::OperationRemoved,
                    &site,
                    o.pointer.clone(),
                    true,
                    vec![Party::Client, Party::Rust],
                    format!("operation `{} {}` removed", o.method.to_uppercase(), o.path),
                );
            }
        }
        for (i, j) in pairs {
            self.operation(&old.operations[i], &new.operations[j]);
        }
        for (j, n) in new.operations.iter().enumerate() {
            if !paired_new.contains(&j) {
                let site = Site {
                    operation: Some(n.id.clone()),
                };
                self.push(
                    ChangeKind::OperationAdded,
                    &site,
                    n.pointer.clone(),
                    false,
                    vec![Party::Server],
                    format!(
                        "operation `{} {}` added (server implementations gain a trait method)",
                        n.method.to_uppercase(),
                        n.path
                    ),
                );
            }
        }
    }

    fn operation(&mut self, o: &Operation, n: &Operation) {
        let site = Site {
            operation: Some(n.id.clone()),
        };
        if o.path != n.path {
            self.push(
                ChangeKind::OperationPathChanged,
                &site,
                n.pointer.clone(),
                false,
                vec![Party::Client],
                format!("path changed from `{}` to `{}`", o.path, n.path),
            );
        }
        if o.method != n.method {
            self.push(
                ChangeKind::OperationMethodChanged,
                &site,
                n.pointer.clone(),
                false,
                vec![Party::Client],
                format!(
                    "method changed from {} to {}",
                    o.method.to_uppercase(),
                    n.method.to_uppercase()
                ),
            );
        }
        if o.id != n.id {
            self.push(
                ChangeKind::OperationIdChanged,
                &site,
                format!("{}/operationId", n.pointer),
                false,
                vec![Party::Rust],
                format!(
                    "operationId changed from `{}` to `{}` (generated method names change)",
                    o.id, n.id
                ),
            );
        }
        if o.deprecated != n.deprecated {
            let what = if n.deprecated {
                "deprecated"
            } else {
                "no longer deprecated"
            };
            let (pointer, in_old) = if n.deprecated {
                (format!("{}/deprecated", n.pointer), false)
            } else {
                (format!("{}/deprecated", o.pointer), true)
            };
            self.push(
                ChangeKind::OperationDeprecationChanged,
                &site,
                pointer,
                in_old,
                Vec::new(),
                format!("operation is now {what}"),
            );
        }
        self.security(o, n, &site);
        self.parameters(o, n, &site);
        self.request_body(o, n, &site);
        self.responses(o, n, &site);
    }

    fn security(&mut self, o: &Operation, n: &Operation, site: &Site) {
        let rank = |s: Security| match s {
            Security::Public => 0,
            Security::Optional => 1,
            Security::Required => 2,
        };
        let describe = |s: Security| match s {
            Security::Public => "no credential",
            Security::Optional => "an optional credential",
            Security::Required => "a credential",
        };
        // The requirement may be inherited from the document: point at the operation.
        let pointer = n.pointer.clone();
        if o.security != n.security {
            let breaks = if rank(n.security) > rank(o.security) {
                vec![Party::Client, Party::Rust]
            } else {
                vec![Party::Server, Party::Rust]
            };
            self.push(
                ChangeKind::SecurityChanged,
                site,
                pointer,
                false,
                breaks,
                format!(
                    "operation now takes {} (was {})",
                    describe(n.security),
                    describe(o.security)
                ),
            );
        } else if o.security_requirements != n.security_requirements {
            let names = |r: &[Vec<String>]| {
                r.iter()
                    .map(|alt| alt.join(" + "))
                    .collect::<Vec<_>>()
                    .join(" | ")
            };
            let old_alternatives: BTreeSet<&Vec<String>> = o.security_requirements.iter().collect();
            let lost = o.security_requirements.len() > n.security_requirements.len()
                || n.security_requirements
                    .iter()
                    .any(|r| !old_alternatives.contains(r));
            let breaks = if lost {
                vec![Party::Client]
            } else {
                vec![Party::Server]
            };
            self.push(
                ChangeKind::SecurityChanged,
                site,
                pointer,
                false,
                breaks,
                format!(
                    "security requirements changed from [{}] to [{}]",
                    names(&o.security_requirements),
                    names(&n.security_requirements)
                ),
            );
        }
    }

    fn parameters(&mut self, o: &Operation, n: &Operation, site: &Site) {
        fn find<'p>(list: &'p [Param], p: &Param) -> Option<&'p Param> {
            list.iter()
                .find(|q| q.location == p.location && q.name.eq_ignore_ascii_case(&p.name))
        }
        let mut moved = HashSet::new();
        for np in &n.params {
            let loc = np.location.as_str();
            match find(&o.params, np) {
                Some(op) => self.parameter(op, np, site),
                None => {
                    if let Some(op) = o.params.iter().find(|q| q.name == np.name) {
                        moved.insert(op.name.clone());
                        self.push(
                            ChangeKind::ParameterLocationChanged,
                            site,
                            np.pointer.clone(),
                            false,
                            vec![Party::Client, Party::Server],
                            format!(
                                "parameter `{}` moved from {} to {loc}",
                                np.name,
                                op.location.as_str()
                            ),
                        );
                        continue;
                    }
                    let (breaks, what) = if np.required {
                        (vec![Party::Client, Party::Rust], "required")
                    } else {
                        (Vec::new(), "optional")
                    };
                    self.push(
                        ChangeKind::ParameterAdded,
                        site,
                        np.pointer.clone(),
                        false,
                        breaks,
                        format!("{what} {loc} parameter `{}` added", np.name),
                    );
                }
            }
        }
        for op in &o.params {
            if find(&n.params, op).is_none() && !moved.contains(&op.name) {
                self.push(
                    ChangeKind::ParameterRemoved,
                    site,
                    op.pointer.clone(),
                    true,
                    vec![Party::Client, Party::Rust],
                    format!("{} parameter `{}` removed", op.location.as_str(), op.name),
                );
            }
        }
    }

    fn parameter(&mut self, op: &Param, np: &Param, site: &Site) {
        let name = &np.name;
        if op.required != np.required {
            let (breaks, what) = if np.required {
                (vec![Party::Client, Party::Rust], "is now required")
            } else {
                (vec![Party::Server, Party::Rust], "is now optional")
            };
            self.push(
                ChangeKind::ParameterRequiredChanged,
                site,
                np.pointer.clone(),
                false,
                breaks,
                format!("parameter `{name}` {what}"),
            );
        }
        if op.style != np.style || op.explode != np.explode {
            self.push(
                ChangeKind::ParameterStyleChanged,
                site,
                np.pointer.clone(),
                false,
                vec![Party::Client, Party::Server],
                format!(
                    "parameter `{name}` serialization changed from style `{}` explode {} to style `{}` explode {}",
                    op.style, op.explode, np.style, np.explode
                ),
            );
        }
        if op.deprecated != np.deprecated {
            let (pointer, in_old) = if np.deprecated {
                (format!("{}/deprecated", np.pointer), false)
            } else {
                (format!("{}/deprecated", op.pointer), true)
            };
            self.push(
                ChangeKind::ParameterDeprecationChanged,
                site,
                pointer,
                in_old,
                Vec::new(),
                format!(
                    "parameter `{name}` is {}",
                    if np.deprecated {
                        "now deprecated"
                    } else {
                        "no longer deprecated"
                    }
                ),
            );
        }
        let at = Pointers {
            old: format!("{}/schema", op.pointer),
            new: format!("{}/schema", np.pointer),
        };
        self.schema(site, Direction::Request, &op.schema, &np.schema, &at);
    }

    fn request_body(&mut self, o: &Operation, n: &Operation, site: &Site) {
        match (&o.body, &n.body) {
            (None, Some(b)) => {
                let (breaks, what) = if b.required {
                    (vec![Party::Client, Party::Rust], "required")
                } else {
                    (vec![Party::Rust], "optional")
                };
                self.push(
                    ChangeKind::RequestBodyAdded,
                    site,
                    format!("{}/requestBody", n.pointer),
                    false,
                    breaks,
                    format!("{what} request body added"),
                );
            }
            (Some(_), None) => self.push(
                ChangeKind::RequestBodyRemoved,
                site,
                format!("{}/requestBody", o.pointer),
                true,
                vec![Party::Client, Party::Rust],
                "request body removed".into(),
            ),
            (Some(a), Some(b)) => {
                if a.required != b.required {
                    let (breaks, what) = if b.required {
                        (vec![Party::Client, Party::Rust], "is now required")
                    } else {
                        (vec![Party::Server, Party::Rust], "is now optional")
                    };
                    self.push(
                        ChangeKind::RequestBodyRequiredChanged,
                        site,
                        format!("{}/requestBody", n.pointer),
                        false,
                        breaks,
                        format!("request body {what}"),
                    );
                }
                let body_pointer = |op: &Operation| format!("{}/requestBody/content", op.pointer);
                self.media_types(
                    site,
                    Direction::Request,
                    &a.media_types,
                    &b.media_types,
                    (&body_pointer(o), &body_pointer(n)),
                );
                let at = Pointers {
                    old: a.schema_pointer.clone(),
                    new: b.schema_pointer.clone(),
                };
                self.schema(site, Direction::Request, &a.schema, &b.schema, &at);
            }
            (None, None) => {}
        }
    }

    fn media_types(
        &mut self,
        site: &Site,
        direction: Direction,
        old: &[String],
        new: &[String],
        (old_at, new_at): (&str, &str),
    ) {
        let word = match direction {
            Direction::Request => "request",
            Direction::Response => "response",
        };
        for m in new.iter().filter(|m| !old.contains(m)) {
            let breaks = match direction {
                Direction::Request => vec![Party::Server],
                Direction::Response => vec![Party::Client],
            };
            self.push(
                ChangeKind::MediaTypeChanged,
                site,
                format!("{new_at}/{}", crate::error::escape_pointer(m)),
                false,
                breaks,
                format!("{word} media type `{m}` added"),
            );
        }
        for m in old.iter().filter(|m| !new.contains(m)) {
            self.push(
                ChangeKind::MediaTypeChanged,
                site,
                format!("{old_at}/{}", crate::error::escape_pointer(m)),
                true,
                vec![Party::Client],
                format!("{word} media type `{m}` removed"),
            );
        }
    }

    fn responses(&mut self, o: &Operation, n: &Operation, site: &Site) {
        fn find(list: &[Response], s: Status) -> Option<&Response> {
            list.iter().find(|r| r.status == s)
        }
        for nr in &n.responses {
            let key = nr.status.key();
            match find(&o.responses, nr.status) {
                None => {
                    let (breaks, what) = if nr.status.is_success() {
                        (vec![Party::Client], "success")
                    } else {
                        (Vec::new(), "error")
                    };
                    self.push(
                        ChangeKind::ResponseStatusAdded,
                        site,
                        nr.pointer.clone(),
                        false,
                        breaks,
                        format!("{what} response {key} added"),
                    );
                }
                Some(or) => self.response(or, nr, site),
            }
        }
        for or in &o.responses {
            if find(&n.responses, or.status).is_none() {
                let key = or.status.key();
                let (breaks, what) = if or.status.is_success() {
                    (vec![Party::Client, Party::Rust], "success")
                } else {
                    (vec![Party::Rust], "error")
                };
                self.push(
                    ChangeKind::ResponseStatusRemoved,
                    site,
                    or.pointer.clone(),
                    true,
                    breaks,
                    format!("{what} response {key} removed"),
                );
            }
        }
    }

    fn response(&mut self, or: &Response, nr: &Response, site: &Site) {
        let key = nr.status.key();
        let content = |r: &Response| format!("{}/content", r.pointer);
        if or.body.is_some() == nr.body.is_some() {
            // A body that appears or disappears is one change, not also a media type change.
            self.media_types(
                site,
                Direction::Response,
                &or.media_types,
                &nr.media_types,
                (&content(or), &content(nr)),
            );
        }
        match (&or.body, &nr.body) {
            (None, Some(_)) => self.push(
                ChangeKind::ResponseBodyAdded,
                site,
                content(nr),
                false,
                vec![Party::Client, Party::Rust],
                format!("response {key} now has a body"),
            ),
            (Some(_), None) => self.push(
                ChangeKind::ResponseBodyRemoved,
                site,
                content(or),
                true,
                vec![Party::Client, Party::Rust],
                format!("response {key} no longer has a body"),
            ),
            (Some(a), Some(b)) => {
                let at = Pointers {
                    old: a.schema_pointer.clone(),
                    new: b.schema_pointer.clone(),
                };
                self.schema(site, Direction::Response, &a.schema, &b.schema, &at);
            }
            (None, None) => {}
        }
    }

    fn schema(
        &mut self,
        site: &Site,
        direction: Direction,
        old: &Schema,
        new: &Schema,
        at: &Pointers,
    ) {
        let mut diff = SchemaDiff {
            differ: self,
            site: site.clone(),
            direction,
            visited: HashSet::new(),
        };
        diff.compare(old, new, at);
    }
}
