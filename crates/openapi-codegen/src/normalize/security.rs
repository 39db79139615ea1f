//! Security: the schemes an operation requires, with operation-level overrides of the
//! document's default.

use serde_json::Value;

use super::Normalizer;
use crate::error::{Diagnostic, escape_pointer};
use crate::ir::Security;

impl<'a> Normalizer<'a> {
    pub(super) fn security(
        &mut self,
        requirements: Option<&Value>,
        pointer: &str,
        opid: Option<&str>,
    ) -> Security {
        let Some(Value::Array(reqs)) = requirements else {
            return Security::None;
        };
        if reqs.is_empty() {
            return Security::None;
        }
        let schemes = self.root.pointer("/components/securitySchemes");
        let mut bearer = false;
        let mut anonymous = false;
        for req in reqs {
            let Some(req) = req.as_object() else { continue };
            if req.is_empty() {
                anonymous = true;
            }
            for name in req.keys() {
                let scheme = schemes.and_then(|s| s.get(name));
                let is_bearer = scheme.is_some_and(|s| {
                    s.get("type").and_then(Value::as_str) == Some("http")
                        && s.get("scheme")
                            .and_then(Value::as_str)
                            .is_some_and(|x| x.eq_ignore_ascii_case("bearer"))
                });
                if is_bearer {
                    bearer = true;
                } else if scheme.is_none() {
                    self.diags.push(Diagnostic::error(format!("{pointer}/security"), format!("security scheme `{name}` is not defined in `components.securitySchemes`")).in_operation(opid));
                } else {
                    self.diags.push(
                        Diagnostic::warning(
                            format!("/components/securitySchemes/{}", escape_pointer(name)),
                            format!("security scheme `{name}` is not HTTP bearer: the generated server does not check it and the client does not send it"),
                        )
                        .in_operation(opid),
                    );
                }
            }
        }
        match (bearer, anonymous) {
            (true, false) => Security::Bearer,
            (true, true) => Security::OptionalBearer,
            _ => Security::None,
        }
    }
}
