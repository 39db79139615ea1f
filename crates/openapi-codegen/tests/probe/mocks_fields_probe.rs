
// Properties whose Rust names collide (`corpus_property_names_collide`): each keeps its own
// field, read and written under its own wire name, and the mock's answers hold them all.
mod property_names_collide {
    use fixture_corpus_property_names_collide_models as models;
    use fixture_corpus_property_names_collide_server as server;

    #[test]
    fn properties_named_alike_in_rust_round_trip_each_under_its_own_name() {
        let wire = serde_json::json!({
            "_id": "5f1b", "id": 7, "@id": "https://example.com/users/7",
            "created-by": "import", "created_by": "admin", "jobID": 1, "jobId": 2
        });
        let user: models::User = serde_json::from_value(wire.clone()).expect("the user reads");
        assert_eq!(user.underscore_id, "5f1b");
        assert_eq!(user.id, 7);
        assert_eq!(user.at_id.as_deref(), Some("https://example.com/users/7"));
        assert_eq!(user.created_dash_by.as_deref(), Some("import"));
        assert_eq!(user.created_by.as_ref().map(|s| s.as_str()), Some("admin"));
        assert_eq!((user.job_id, user.job_id_2), (Some(1), Some(2)));
        assert_eq!(serde_json::to_value(&user).expect("the user writes"), wire);
        let built = models::User::new("5f1b", 7).with_job_id_2(2);
        assert_eq!(
            serde_json::to_value(&built).expect("writes"),
            serde_json::json!({"_id": "5f1b", "id": 7, "jobId": 2})
        );
    }

    #[test]
    fn defaults_of_properties_named_alike_stay_with_their_own_property() {
        let prefs = models::Prefs::default();
        assert_eq!(
            serde_json::to_value(&prefs).expect("writes"),
            serde_json::json!({"prefs/columns": 3, "prefs_columns": 5})
        );
    }

    #[tokio::test]
    async fn the_mock_answers_and_checks_every_property_named_alike() {
        let mock = openapi_server_runtime::mock::MockServer::start(
            server::mock::router(server::mock::Mock::new()),
            "127.0.0.1:0",
        )
        .await
        .expect("the mock starts");
        let client = reqwest::Client::new();
        let send = |body: serde_json::Value| {
            client
                .post(format!("{}/users", mock.url()))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
        };
        let answer = send(serde_json::json!({"_id": "a", "id": 1})).await.expect("an answer");
        assert_eq!(answer.status().as_u16(), 201);
        let body: serde_json::Value =
            serde_json::from_str(&answer.text().await.expect("a body")).expect("JSON");
        assert_eq!(body["_id"], "5f1b");
        assert_eq!(body["jobId"], 2);
        let refused = send(serde_json::json!({"_id": "a", "id": 1, "created_by": "x"}))
            .await
            .expect("an answer");
        assert_eq!(refused.status().as_u16(), 422, "`created_by` is below its minLength");
        let refused = send(serde_json::json!({"id": 1})).await.expect("an answer");
        assert_eq!(refused.status().as_u16(), 422, "`_id` is required");
    }
}
