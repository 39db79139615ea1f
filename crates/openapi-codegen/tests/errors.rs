//! Bad documents get clear errors naming the JSON pointer and operation, never a panic.

use openapi_codegen::{Document, Error, Options, Severity, generate};

fn generate_json(text: &str) -> Result<openapi_codegen::Generated, Error> {
    let document = Document::from_text(text, false)?;
    generate(&document, &Options::default())
}

fn invalid(text: &str) -> Vec<openapi_codegen::Diagnostic> {
    match generate_json(text) {
        Err(Error::Invalid(d)) => d,
        other => panic!(
            "expected Error::Invalid, got {:?}",
            other.map(|g| g.files.len())
        ),
    }
}

#[test]
fn malformed_json_reports_line_and_column() {
    let err = generate_json("{\"openapi\": \"3.0.3\",\n  \"info\": }").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Parse { .. }), "{text}");
    assert!(text.contains("line 2"), "{text}");
}

#[test]
fn swagger_2_and_unknown_versions_are_refused_with_what_to_do() {
    let d = invalid(r#"{"swagger": "2.0", "info": {}, "paths": {}}"#);
    assert_eq!(d[0].pointer, "/swagger");
    assert!(d[0].message.contains("convert"));
    let d = invalid(r#"{"openapi": "4.0.0", "info": {}, "paths": {}}"#);
    assert_eq!(d[0].pointer, "/openapi");
}

#[test]
fn dangling_schema_ref_names_pointer_and_operation() {
    let d = invalid(
        r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"post": {"operationId": "do-a",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}},
            "responses": {"200": {"description": "ok"}}}}}}"##,
    );
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].pointer,
        "/paths/~1a/post/requestBody/content/application~1json/schema/$ref"
    );
    assert_eq!(d[0].operation_id.as_deref(), Some("do-a"));
    assert_eq!(d[0].severity, Severity::Error);
    assert!(d[0].to_string().contains("operation do-a"));
}

#[test]
fn an_undeclared_path_template_name_becomes_a_required_string_with_a_warning() {
    let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a/{id}": {"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}}}}"##;
    let document = Document::from_text(doc, false).unwrap();
    let warnings = document.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("no path parameter `id`"));
    assert_eq!(warnings[0].operation_id.as_deref(), Some("a"));
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let d = invalid(
        r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a": {"get": {"operationId": "a", "parameters": [{"in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}}}},
            "/b": {"get": {"operationId": "b", "responses": {"9000": {"description": "?"}}}}}}"##,
    );
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d[0].message.contains("parameter has no `name`"));
    assert!(d[1].pointer.ends_with("/responses/9000"));
}

#[test]
fn operation_ids_that_map_to_one_method_name_are_renamed_deterministically() {
    let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a": {"get": {"operationId": "list-items", "responses": {"200": {"description": "ok"}}}},
            "/b": {"get": {"operationId": "list_items", "responses": {"200": {"description": "ok"}}}},
            "/c": {"get": {"operationId": "list.items", "responses": {"200": {"description": "ok"}}}}}}"##;
    let document = Document::from_text(doc, false).unwrap();
    let ids: Vec<&str> = document.operation_ids().collect();
    assert_eq!(ids, ["list-items", "list_items_2", "list.items_3"]);
    assert_eq!(document.warnings().len(), 2);
    assert!(
        document.warnings()[0]
            .message
            .contains("generated as `list_items_2`"),
        "{:?}",
        document.warnings()
    );
    let generated = generate(&document, &Options::default()).unwrap();
    let server = generated
        .files
        .iter()
        .find(|f| f.path.ends_with("svix-auth-server/src/generated.rs"))
        .unwrap();
    assert!(
        server.contents.contains("fn list_items_2(")
            && server.contents.contains("fn list_items_3(")
    );
}

#[test]
fn exact_duplicate_operation_ids_are_renamed_with_a_warning_and_refused_when_strict() {
    // OpenAPI forbids it, but real documents do it (a path item `$ref` used twice).
    let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a": {"get": {"operationId": "same", "responses": {"200": {"description": "ok"}}}},
            "/b": {"get": {"operationId": "same", "responses": {"200": {"description": "ok"}}}}}}"##;
    let document = Document::from_text(doc, false).unwrap();
    assert_eq!(
        document.operation_ids().collect::<Vec<_>>(),
        ["same", "same_2"]
    );
    let warning = &document.warnings()[0];
    assert_eq!(warning.pointer, "/paths/~1b/get/operationId");
    assert!(warning.message.contains("used twice"), "{warning}");
    let strict = generate(
        &document,
        &Options {
            strict: true,
            ..Options::default()
        },
    );
    assert!(
        matches!(strict, Err(Error::Invalid(d)) if d[0].pointer == "/paths/~1b/get/operationId")
    );
}

#[test]
fn strict_mode_turns_warnings_into_errors() {
    let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}"##;
    let loaded = Document::from_text(doc, false).unwrap();
    let lenient =
        generate(&loaded, &Options::default()).expect("a missing operationId is a warning");
    assert!(lenient.warnings[0].message.contains("get_a"));
    let strict = generate(
        &loaded,
        &Options {
            strict: true,
            ..Options::default()
        },
    );
    assert!(matches!(strict, Err(Error::Invalid(d)) if d[0].severity == Severity::Error));
}

#[test]
fn a_progenitor_panic_becomes_an_error() {
    let err = openapi_codegen::catch_backend_for_tests(|| {
        panic!("assertion failed: response_types.len() <= 1")
    });
    assert!(
        matches!(
            &err,
            Error::Backend {
                stage: "progenitor",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("response_types"));
}

#[test]
fn normalization_keeps_ref_siblings_as_all_of() {
    let document = Document::from_text(
        r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B", "nullable": true, "description": "kept"}}},
            "B": {"type": "string"}}}}"##,
        false,
    )
    .unwrap();
    let b = &document.normalized_schema("A").unwrap()["properties"]["b"];
    assert_eq!(b["allOf"][0]["$ref"], "#/components/schemas/B");
    assert_eq!(b["nullable"], true);
    assert_eq!(b["description"], "kept");
}

#[test]
fn yaml_documents_load_like_json() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/yaml_document.yaml");
    let generated = openapi_codegen::generate_from_path(&path, &Options::default()).unwrap();
    assert!(
        generated
            .files
            .iter()
            .any(|f| f.contents.contains("pub struct Pong"))
    );
}

fn models_of(generated: &openapi_codegen::Generated) -> &str {
    &generated
        .files
        .iter()
        .find(|f| {
            f.path.ends_with("src/generated.rs") && f.path.to_string_lossy().contains("-models/")
        })
        .expect("a models file")
        .contents
}

fn untyped(generated: &openapi_codegen::Generated) -> Vec<&str> {
    generated
        .warnings
        .iter()
        .filter(|w| w.message.contains("is generated as `serde_json::Value`"))
        .map(|w| w.pointer.as_str())
        .collect()
}

#[test]
fn an_inline_object_named_like_another_schema_gets_a_name_of_its_own() {
    // typify would name `Repo.owner` `RepoOwner`, which is also a schema of the document: the
    // inline type is named `RepoOwnerProperty` instead, and every schema keeps its type.
    let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/r": {"get": {"operationId": "get_repo", "responses": {"200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Repo"}}}}}}}},
        "components": {"schemas": {
            "Other": {"type": "object", "properties": {"login": {"type": "string"}}},
            "Repo": {"type": "object", "properties": {
                "name": {"type": "string"},
                "owner": {"type": "object", "properties": {"login": {"type": "string"}}}}},
            "RepoOwner": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "RepoOwnerList": {"type": "array", "items": {"$ref": "#/components/schemas/RepoOwner"}}}}}"##;
    let generated = generate_json(doc).expect("the document generates");
    assert_eq!(untyped(&generated), Vec::<&str>::new());
    let models = models_of(&generated);
    assert!(
        models.contains("pub struct RepoOwner {"),
        "RepoOwner keeps its fields"
    );
    assert!(
        models.contains("pub owner: ::std::option::Option<RepoOwnerProperty>"),
        "{models}"
    );
}

#[test]
fn a_reference_into_a_schema_being_named_elsewhere_gets_a_type_of_its_own() {
    // `Holder.ip` is referenced from `Alpha` and named `HolderIpRef`; while it is normalized,
    // its own `allOf/0` is referenced too. That part is named `HolderIpRef2` (it took the same
    // name before: `subnet` became the whole IP configuration, and Azure's network documents
    // made typify recurse without end).
    let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"operationId": "get_alpha", "responses": {"200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alpha"}}}}}}}},
        "components": {"schemas": {
            "Alpha": {"type": "object", "properties": {
                "ip": {"$ref": "#/components/schemas/Holder/properties/ip"}}},
            "Holder": {"type": "object", "properties": {"ip": {
                "allOf": [{"properties": {"id": {"type": "string"}}}],
                "properties": {
                    "name": {"type": "string"},
                    "subnet": {"$ref": "#/components/schemas/Holder/properties/ip/allOf/0"}}}}}}}}"##;
    let generated = generate_json(doc).expect("the document generates");
    let models = models_of(&generated);
    assert!(
        models.contains("pub subnet: ::std::option::Option<HolderIpRef2>"),
        "{models}"
    );
    let part = models
        .split("pub struct HolderIpRef2 {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("HolderIpRef2 is a struct");
    assert!(
        part.contains("pub id:") && !part.contains("pub subnet:"),
        "{part}"
    );
}

#[test]
fn carriage_returns_in_descriptions_leave_no_bare_cr_in_generated_code() {
    // rustc refuses a bare CR in a doc comment; descriptions reach the models, the client
    // (progenitor and the facade) and the server.
    let doc = "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\", \"description\": \"a\\rb\"},
        \"paths\": {\"/a/{id}\": {\"get\": {\"operationId\": \"get_a\", \"summary\": \"one\\rtwo\",
            \"description\": \"x\\r\\n\\r> y\",
            \"parameters\": [{\"name\": \"id\", \"in\": \"path\", \"required\": true,
                \"description\": \"p\\r> q\", \"schema\": {\"type\": \"string\"}}],
            \"responses\": {\"200\": {\"description\": \"ok\\rfine\",
                \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/A\"}}}}}}}},
        \"components\": {\"schemas\": {\"A\": {\"type\": \"object\", \"description\": \"m\\rn\",
            \"properties\": {\"v\": {\"type\": \"string\", \"description\": \"r\\rs\"}}}}}}";
    let generated = generate_json(doc).expect("the document generates");
    for file in generated
        .files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "rs"))
    {
        assert!(
            !file.contents.contains('\r'),
            "a CR in {}",
            file.path.display()
        );
    }
}

#[test]
fn security_problems_name_the_scheme_the_pointer_and_the_operation() {
    let d = invalid(
        r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "security": [{"nowhere": []}],
            "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}},
                      "/b": {"get": {"operationId": "b", "security": [{"key": [], "undefined": []}],
                                     "responses": {"200": {"description": "ok"}}}}},
            "components": {"securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "noPlace": {"type": "apiKey", "name": "k"},
                "badIn": {"type": "apiKey", "in": "body", "name": "k"},
                "noName": {"type": "apiKey", "in": "query"},
                "badHttp": {"type": "http", "scheme": "two words"},
                "noType": {"scheme": "basic"},
                "other": {"type": "kerberos"}}}}"##,
    );
    let find = |pointer: &str| {
        d.iter()
            .find(|x| x.pointer == pointer)
            .unwrap_or_else(|| panic!("no error at {pointer}: {d:#?}"))
    };
    let global = find("/paths/~1a/get/security/0/nowhere");
    assert!(
        global.message.contains("`nowhere` is not defined"),
        "{}",
        global.message
    );
    assert_eq!(global.operation_id.as_deref(), Some("a"));
    let own = find("/paths/~1b/get/security/0/undefined");
    assert_eq!(own.operation_id.as_deref(), Some("b"));
    assert!(
        find("/components/securitySchemes/noPlace")
            .message
            .contains("no `in`")
    );
    assert!(
        find("/components/securitySchemes/badIn/in")
            .message
            .contains("header, query or cookie")
    );
    assert!(
        find("/components/securitySchemes/noName")
            .message
            .contains("no `name`")
    );
    assert!(
        find("/components/securitySchemes/badHttp/scheme")
            .message
            .contains("not an HTTP authentication scheme")
    );
    assert!(
        find("/components/securitySchemes/noType")
            .message
            .contains("no `type`")
    );
    assert!(
        find("/components/securitySchemes/other/type")
            .message
            .contains("mutualTLS")
    );
    assert!(
        d.iter().all(|x| x.severity == Severity::Error),
        "every one of them is an error"
    );
}

#[test]
fn no_security_scheme_kind_is_reported_as_not_generated() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/security_schemes.json"),
    )
    .unwrap();
    let document = Document::from_text(&doc, false).unwrap();
    let generated = generate(&document, &Options::default()).unwrap();
    let about_security: Vec<_> = document
        .warnings()
        .iter()
        .chain(&generated.warnings)
        .filter(|w| w.pointer.contains("security") || w.message.contains("security"))
        .collect();
    assert!(about_security.is_empty(), "{about_security:?}");
    // The one warning is the relative second server's.
    let all: Vec<_> = document
        .warnings()
        .iter()
        .chain(&generated.warnings)
        .collect();
    assert!(all.iter().all(|w| w.pointer == "/servers/1/url"), "{all:?}");
}

#[test]
fn a_broken_response_header_is_left_out_with_a_warning_not_an_error() {
    let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok", "headers": {
                "X-Gone": {"$ref": "#/components/headers/Missing"},
                "X-Bad": {"schema": {"$ref": "#/components/schemas/Missing"}},
                "X-Fine": {"schema": {"type": "integer"}},
                "Bad Name": {"schema": {"type": "string"}},
                "x-fine": {"schema": {"type": "string"}},
                "Content-Length": {"schema": {"type": "integer"}}}}}}}}}"##;
    let document = Document::from_text(doc, false).expect("the document generates");
    let warnings = document.warnings();
    assert_eq!(
        warnings.len(),
        4,
        "the server's own Content-Length is no warning: {warnings:?}"
    );
    for w in warnings {
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!(w.operation_id.as_deref(), Some("a"));
        assert!(w.message.contains("is left out"), "{w}");
    }
    assert!(
        warnings[2].message.contains("not an HTTP header name"),
        "{}",
        warnings[2]
    );
    assert!(
        warnings[3].message.contains("repeats `X-Fine`"),
        "{}",
        warnings[3]
    );
    assert!(
        warnings[0].pointer.contains("X-Gone"),
        "{}",
        warnings[0].pointer
    );
    assert!(generate(&document, &Options::default()).is_ok());
}
