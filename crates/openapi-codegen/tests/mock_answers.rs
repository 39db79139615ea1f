//! Every answer the generated mock gives — the fixed one and dynamic ones over many seeds, for
//! every documented response with a JSON, text or XML body (whose text is well-formed XML too) —
//! validates against the document's own schema, checked by an independent JSON Schema validator (`jsonschema`) reading the document
//! as written (OpenAPI 3.1 schemas as JSON Schema 2020-12; 3.0 schemas as draft 4 with
//! `nullable` spelled as a `null` type). Run over every fixture; both Svix documents and a
//! corpus sample are `--ignored` (CI runs them).

mod support;

use std::path::Path;

use openapi_server_runtime::mock::Engine;
use serde_json::{Map, Value, json};

/// Dynamic seeds tried per response.
const SEEDS: u64 = 12;

/// The URI the document is registered under for the validator.
const DOCUMENT: &str = "urn:openapi:document";

/// A JSON pointer written as a URI fragment (characters outside the unreserved set and the
/// pointer's own `/` and `~` percent-encoded).
fn uri_fragment(pointer: &str) -> String {
    pointer
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// One answer that failed, for the report.
struct Failure {
    operation: String,
    status: String,
    seed: String,
    problem: String,
}

/// The mock's answers for `spec` checked against the document; the failures found.
fn check_document(spec: &Path, seeds: u64) -> Result<Checked, String> {
    let document = openapi_codegen::Document::from_path(spec).map_err(|e| e.to_string())?;
    let options = openapi_codegen::Options {
        crate_prefix: "mock-check".into(),
        ..openapi_codegen::Options::default()
    };
    let generated = openapi_codegen::generate(&document, &options).map_err(|e| e.to_string())?;
    let answers = generated
        .files
        .iter()
        .find(|f| f.path.ends_with("mock.json"))
        .ok_or("no mock.json generated")?;
    let engine = Engine::new(&answers.contents, 0);
    let raw = openapi_codegen::bundle(spec)
        .map_err(|e| e.to_string())?
        .document;
    let v31 = raw
        .get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3.1"));
    let root = if v31 {
        raw.clone()
    } else {
        nullable_as_type(&raw)
    };
    let draft = if v31 {
        jsonschema::Draft::Draft202012
    } else {
        jsonschema::Draft::Draft4
    };
    let registry = jsonschema::Registry::new()
        .draft(draft)
        .add(DOCUMENT, &root)
        .and_then(|b| b.prepare())
        .map_err(|e| format!("the document is not a schema resource: {e}"))?;
    let summaries = document.operation_summaries();
    let mut failures = Vec::new();
    let mut unanswerable = Vec::new();
    let mut checked = 0;
    for (i, ((id, statuses), summary)) in engine.shape().into_iter().zip(&summaries).enumerate() {
        assert_eq!(
            id, summary.id,
            "the mock's operations are the document's, in order"
        );
        let Some(operation) = raw
            .pointer(&format!("/paths/{}", escape(&summary.path)))
            .and_then(|p| p.get(summary.method.to_ascii_lowercase()))
        else {
            continue;
        };
        for (j, status) in statuses.iter().enumerate() {
            // A 204's content is ignored (with a warning): the mock answers no body.
            if status == "204" {
                continue;
            }
            let Some((Some(pointer), media)) = response_schema(&raw, operation, status) else {
                continue;
            };
            let is_text = media.starts_with("text/");
            // XML: the value written is checked, and so is the XML it is written as.
            let is_xml = openapi_server_runtime::is_xml_media_type(&media);
            // Text of another structure is not checked; text of a string schema is.
            if is_text
                && !is_xml
                && raw.pointer(&pointer).and_then(|s| s.get("type")) != Some(&json!("string"))
            {
                continue;
            }
            // Bytes answers (`application/octet-stream`, vendor streams) have no JSON to check.
            if !is_text && !is_xml && !media.contains("json") {
                continue;
            }
            let validator = match jsonschema::options()
                .with_draft(draft)
                .with_registry(&registry)
                .should_validate_formats(true)
                .build(&json!({ "$ref": format!("{DOCUMENT}#{}", uri_fragment(&pointer)) }))
            {
                Ok(v) => v,
                // A schema the validator cannot compile (a pattern outside ECMA-262) cannot judge.
                Err(_) => continue,
            };
            for seed in std::iter::once(None).chain((0..seeds).map(Some)) {
                let choice = engine
                    .choice(i, j, seed.is_some(), seed.unwrap_or(0))
                    .map_err(|r| format!("{:?}", r.into_body()))?;
                let label = seed.map_or("fixed".to_owned(), |s| s.to_string());
                let answer = engine.checked(&choice);
                checked += 1;
                match answer {
                    // The engine found no valid value (a schema nothing satisfies, overlapping
                    // `oneOf` branches): counted apart, and the log line says so.
                    Ok((_, Some(violation))) => {
                        unanswerable.push(format!("{id} {status}: {violation}"))
                    }
                    Ok((value, None)) => {
                        let mut errors: Vec<String> = validator
                            .iter_errors(&value)
                            .map(|e| e.to_string())
                            .collect();
                        // XML the document's example holds is answered as written.
                        let written = value
                            .as_str()
                            .is_some_and(|t| t.trim_start().starts_with('<'));
                        if is_xml && !written {
                            match engine.text(&choice).map(|text| well_formed(&text)) {
                                Ok(Ok(())) => {}
                                Ok(Err(problem)) => errors.push(problem),
                                Err(r) => errors.push(format!("no XML text: {}", r.into_body())),
                            }
                        }
                        if !errors.is_empty() {
                            failures.push(Failure {
                                operation: id.clone(),
                                status: status.clone(),
                                seed: label,
                                problem: format!("{value} is invalid: {}", errors.join("; ")),
                            });
                        }
                    }
                    Err(r) => failures.push(Failure {
                        operation: id.clone(),
                        status: status.clone(),
                        seed: label,
                        problem: format!("no answer: {}", r.into_body()),
                    }),
                }
            }
        }
    }
    Ok(Checked {
        answers: checked,
        failures,
        unanswerable,
    })
}

/// Whether `text` is a well-formed XML document: one root element, every tag closed.
fn well_formed(text: &str) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let (mut depth, mut roots) = (0usize, 0usize);
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                roots += usize::from(depth == 0);
                depth += 1;
            }
            Ok(Event::Empty(_)) => roots += usize::from(depth == 0),
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) if depth == 0 && roots == 1 => return Ok(()),
            Ok(Event::Eof) => {
                return Err(format!("{roots} root elements, {depth} left open: {text}"));
            }
            Ok(_) => {}
            Err(e) => return Err(format!("not well-formed XML ({e}): {text}")),
        }
    }
}

/// What checking one document found.
struct Checked {
    /// Answers checked.
    answers: usize,
    /// Answers the engine gave as valid that the document's schema rejects.
    failures: Vec<Failure>,
    /// Responses for which the engine found no valid value (and said so).
    unanswerable: Vec<String>,
}

/// The pointer to the schema of `operation`'s `status` response (its `$ref` followed) and the
/// media type the mock answers (the first JSON one, else the first).
fn response_schema(
    raw: &Value,
    operation: &Value,
    status: &str,
) -> Option<(Option<String>, String)> {
    let responses = operation.get("responses")?.as_object()?;
    let (_, mut response) = responses
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(status))?;
    for _ in 0..8 {
        let Some(r) = response.get("$ref").and_then(Value::as_str) else {
            break;
        };
        response = raw.pointer(r.strip_prefix('#')?)?;
    }
    let content = response.get("content")?.as_object()?;
    let (media, _) = content
        .iter()
        .find(|(m, _)| m.contains("json"))
        .or_else(|| content.iter().next())?;
    // The pointer from the document root: found by searching for the very value.
    let schema = content.get(media)?.get("schema")?;
    Some((find_pointer(raw, schema, ""), media.clone()))
}

/// Where `needle` (by address) sits in `hay`.
fn find_pointer(hay: &Value, needle: &Value, at: &str) -> Option<String> {
    if std::ptr::eq(hay, needle) {
        return Some(at.to_owned());
    }
    match hay {
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| find_pointer(v, needle, &format!("{at}/{}", escape(k)))),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_pointer(v, needle, &format!("{at}/{i}"))),
        _ => None,
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A 3.0 document with `nullable: true` written as JSON Schema says it (`null` among the types,
/// or `anyOf` with `null` where there is no single type).
fn nullable_as_type(value: &Value) -> Value {
    match value {
        Value::Array(list) => Value::Array(list.iter().map(nullable_as_type).collect()),
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), nullable_as_type(v)))
                .collect();
            if out.remove("nullable") != Some(Value::Bool(true)) {
                return Value::Object(out);
            }
            if let Some(Value::Array(values)) = out.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            match out.get("type").cloned() {
                Some(Value::String(t)) => {
                    out.insert("type".into(), json!([t, "null"]));
                    Value::Object(out)
                }
                _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
            }
        }
        other => other.clone(),
    }
}

fn report(name: &str, found: &Checked) -> String {
    let mut text = format!(
        "{name}: {} of {} answers invalid, {} without a valid value\n",
        found.failures.len(),
        found.answers,
        found.unanswerable.len()
    );
    for u in found.unanswerable.iter().take(5) {
        text.push_str(&format!("  no valid value: {u}\n"));
    }
    for f in found.failures.iter().take(15) {
        text.push_str(&format!(
            "  {} {} (seed {}): {}\n",
            f.operation,
            f.status,
            f.seed,
            f.problem.chars().take(600).collect::<String>()
        ));
    }
    text
}

#[test]
fn every_fixture_mock_answer_validates_against_the_document_schema() {
    let mut problems = String::new();
    let mut total = 0;
    for spec in support::fixtures() {
        let name = support::fixture_name(&spec);
        match check_document(&spec, SEEDS) {
            Ok(found) => {
                total += found.answers;
                if !found.failures.is_empty() || !found.unanswerable.is_empty() {
                    problems.push_str(&report(&name, &found));
                }
            }
            // A fixture the generator refuses has no mock (errors.rs covers those).
            Err(e) if e.contains("error") => {}
            Err(e) => problems.push_str(&format!("{name}: {e}\n")),
        }
    }
    eprintln!("fixtures: {total} answers checked");
    assert!(total > 500, "answers were checked: {total}");
    assert!(problems.is_empty(), "{problems}");
}

#[test]
fn every_openapi_json_mock_answer_validates_against_the_document_schema() {
    let spec = support::workspace().join("openapi.json");
    let found = check_document(&spec, 40).expect("openapi.json generates");
    eprintln!("openapi.json: {} answers checked", found.answers);
    assert!(
        found.answers > 100,
        "answers were checked: {}",
        found.answers
    );
    assert!(
        found.failures.is_empty() && found.unanswerable.is_empty(),
        "{}",
        report("openapi.json", &found)
    );
}

#[test]
#[ignore = "both full Svix documents (about a minute): CI runs it"]
fn every_svix_document_mock_answer_validates_against_the_document_schema() {
    for name in ["svix-2024-12.json", "svix-2026-08.json"] {
        let spec = support::workspace().join("../shared/specs").join(name);
        let found = check_document(&spec, 4).expect("the document generates");
        eprintln!("{name}: {} answers checked", found.answers);
        assert!(
            found.answers > 1000,
            "{name}: answers were checked: {}",
            found.answers
        );
        assert!(
            found.failures.is_empty() && found.unanswerable.is_empty(),
            "{}",
            report(name, &found)
        );
    }
}

/// Every `step`-th document of the corpus (sorted), up to `count`.
fn corpus_sample(step: usize, count: usize) -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    walk(&support::corpus_dir(), &mut all);
    all.sort();
    all.into_iter().step_by(step).take(count).collect()
}

#[test]
#[ignore = "a corpus sample of many vendors (about two minutes): CI runs it"]
fn every_corpus_sample_mock_answer_validates_against_the_document_schema() {
    let mut problems = String::new();
    let (mut total, mut documents, mut unanswerable) = (0, 0, 0);
    // `MOCK_ANSWERS_DOCUMENTS=a.json,b.json` checks those instead (to look into a failure).
    let sample = match std::env::var("MOCK_ANSWERS_DOCUMENTS") {
        Ok(list) => list.split(',').map(std::path::PathBuf::from).collect(),
        Err(_) => corpus_sample(43, 62),
    };
    let chosen = std::env::var("MOCK_ANSWERS_DOCUMENTS").is_ok();
    for spec in sample {
        let name = spec
            .strip_prefix(support::corpus_dir())
            .unwrap_or(&spec)
            .display()
            .to_string();
        // Documents the generator refuses are counted by `cargo xtask corpus`, not here.
        if let Ok(found) = check_document(&spec, 3) {
            documents += 1;
            total += found.answers;
            unanswerable += found.unanswerable.len();
            if !found.unanswerable.is_empty() {
                eprintln!("{name}: no valid value for {}", found.unanswerable[0]);
            }
            if !found.failures.is_empty() {
                problems.push_str(&report(&name, &found));
            }
        }
    }
    eprintln!(
        "corpus sample: {total} answers of {documents} documents checked; {unanswerable} without a valid value"
    );
    // Documents whose schemas nothing satisfies exist (an object schema with a string `enum`);
    // the mock says so in its log line. They stay rare.
    assert!(
        unanswerable * 100 <= total,
        "{unanswerable} of {total} answers found no valid value"
    );
    assert!(
        chosen || (documents > 50 && total > 2000),
        "{documents} documents, {total} answers"
    );
    assert!(problems.is_empty(), "{problems}");
}
