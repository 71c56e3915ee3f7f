//! The translators directory through the API and the console: every change checked, the same
//! rules whichever way in, a CSV import all or nothing, a translator holding a job not removed.

use super::jobs::{add_translator, offer_path};
use super::*;
use serde_json::json;

fn translator_json(name: &str, email: &str, pairs: &[&str]) -> String {
    json!({"name": name, "email": email, "pairs": pairs, "capacity": 2}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinators_manage_translators_through_the_api() {
    let f = Fixture::new(
        "",
        &providers_toml(&[("libretranslate", "http://127.0.0.1:9")]),
    )
    .await;
    let json_type = "application/json";

    // Without a token, or with one lacking the scope: refused, nothing changes.
    let body = translator_json("Layla Nasser", "layla@t.test", &["en>ar"]);
    let anonymous = f
        .api("POST", "/api/v1/translators", "", json_type, body.clone())
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let reader = f
        .api(
            "POST",
            "/api/v1/translators",
            READER,
            json_type,
            body.clone(),
        )
        .await;
    assert_eq!(reader.status, StatusCode::FORBIDDEN);

    let created = f
        .api(
            "POST",
            "/api/v1/translators",
            TOKEN,
            json_type,
            body.clone(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.location(), format!("/api/v1/translators/{id}"));
    assert_eq!(created.json()["pairs"], json!(["en>ar"]));
    assert_eq!(created.json()["load"], 0);

    // The same address again (any case) is refused.
    let twice = translator_json("Another", "LAYLA@t.test", &["en>fr"]);
    let dup = f
        .api("POST", "/api/v1/translators", TOKEN, json_type, twice)
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);

    // Bad values are each named; a name with a line break (a header injection) is refused.
    let bad =
        json!({"name": "Eve\r\nBcc: all@x.y", "email": "eve", "pairs": ["en-ar"], "capacity": 0});
    let refused = f
        .api(
            "POST",
            "/api/v1/translators",
            TOKEN,
            json_type,
            bad.to_string(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = refused.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["name", "email", "pairs[0]", "capacity"]);
    let unknown = f
        .api(
            "POST",
            "/api/v1/translators",
            TOKEN,
            json_type,
            r#"{"name":"X","colour":"red"}"#,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Edit: pause; the list filters by target language.
    let path = format!("/api/v1/translators/{id}");
    let paused = f
        .api("PUT", &path, TOKEN, json_type, r#"{"status":"paused"}"#)
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.body);
    assert_eq!(paused.json()["status"], "paused");
    assert_eq!(
        paused.json()["pairs"],
        json!(["en>ar"]),
        "what is not named is kept"
    );
    let ar = f
        .api(
            "GET",
            "/api/v1/translators?language=ar",
            TOKEN,
            json_type,
            "",
        )
        .await;
    assert_eq!(ar.json()["translators"].as_array().unwrap().len(), 1);
    let fr = f
        .api(
            "GET",
            "/api/v1/translators?language=fr",
            TOKEN,
            json_type,
            "",
        )
        .await;
    assert!(fr.json()["translators"].as_array().unwrap().is_empty());
    let bad_language = f
        .api(
            "GET",
            "/api/v1/translators?language=!!",
            TOKEN,
            json_type,
            "",
        )
        .await;
    assert_eq!(bad_language.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Remove; then it is gone.
    let removed = f.api("DELETE", &path, TOKEN, json_type, "").await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        f.api("GET", &path, TOKEN, json_type, "").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.api("DELETE", &path, TOKEN, json_type, "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_translator_holding_a_job_is_not_removed() {
    let url = provider_server(pseudo::Options::default()).await;
    let f = Fixture::new(
        "",
        &format!(
            "[translation.policy.languages]\nar = \"machine+review\"\n{}",
            providers_toml(&[("libretranslate", &url)])
        ),
    )
    .await;
    let layla = add_translator(&f, "Layla Nasser", &["en>ar"], 1).await;
    let mut oped = approved();
    oped.target_languages = vec![LanguageCode::parse("ar").unwrap()];
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;
    let _ = offer_path(&f, &layla);

    let path = format!("/api/v1/translators/{}", layla.id);
    let shown = f.api("GET", &path, TOKEN, "application/json", "").await;
    assert_eq!(
        shown.json()["load"],
        1,
        "the offer counts against her capacity"
    );
    let refused = f.api("DELETE", &path, TOKEN, "application/json", "").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("pause them")
    );
    assert_eq!(
        f.api("GET", &path, TOKEN, "application/json", "")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_import_is_all_or_nothing_and_an_export_imports_back() {
    let f = Fixture::new(
        "",
        &providers_toml(&[("libretranslate", "http://127.0.0.1:9")]),
    )
    .await;
    let good = "name,email,pairs,capacity,status\n\
                Layla Nasser,layla@t.test,en>ar; fr>ar,2,active\n\
                Karim Haddad,karim@t.test,en>ar,,paused\n";
    let bad = "name,email,pairs\n\
               Layla Nasser,layla@t.test,en>ar\n\
               Broken,not-an-address,en>ar\n\
               Twice,LAYLA@t.test,en>fr\n";
    let refused = f
        .api("POST", "/api/v1/translators/import", TOKEN, "text/csv", bad)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let rows: Vec<(u64, String)> = refused.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(rows, [(3, "email".to_owned()), (4, "email".to_owned())]);
    let listed = f
        .api("GET", "/api/v1/translators", TOKEN, "application/json", "")
        .await;
    assert!(
        listed.json()["translators"].as_array().unwrap().is_empty(),
        "nothing imported"
    );
    let wrong_type = f
        .api(
            "POST",
            "/api/v1/translators/import",
            TOKEN,
            "application/json",
            good,
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let imported = f
        .api(
            "POST",
            "/api/v1/translators/import",
            TOKEN,
            "text/csv",
            good,
        )
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert_eq!(
        imported.json(),
        json!({"rows": 2, "created": 2, "updated": 0})
    );
    let exported = f
        .api("GET", "/api/v1/translators/export", TOKEN, "", "")
        .await;
    assert_eq!(exported.status, StatusCode::OK);
    assert!(
        exported
            .body
            .starts_with("name,email,pairs,capacity,status\n")
    );
    let again = f
        .api(
            "POST",
            "/api/v1/translators/import",
            TOKEN,
            "text/csv",
            exported.body.clone(),
        )
        .await;
    assert_eq!(again.json(), json!({"rows": 2, "created": 0, "updated": 2}));
    let after = f
        .api("GET", "/api/v1/translators/export", TOKEN, "", "")
        .await;
    assert_eq!(
        after.body, exported.body,
        "an export imports back unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_covers_every_translators_operation() {
    let f = Fixture::new(
        "",
        &providers_toml(&[("libretranslate", "http://127.0.0.1:9")]),
    )
    .await;
    let doc = f.get("/api/v1/openapi.json", None).await.json();
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/translators", &["get", "post"][..]),
        ("/api/v1/translators/{id}", &["get", "put", "delete"][..]),
        ("/api/v1/translators/import", &["post"][..]),
        ("/api/v1/translators/export", &["get"][..]),
    ] {
        for method in methods {
            let op = &paths[path][method];
            assert_eq!(
                op["security"][0]["coordinator"],
                json!(["translators:write"]),
                "{method} {path}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinators_manage_translators_in_the_console() {
    let f = Fixture::new(
        "",
        &providers_toml(&[("libretranslate", "http://127.0.0.1:9")]),
    )
    .await;
    let reader = f.sign_in(READER).await;
    assert_eq!(
        f.get("/console/translators", Some(&reader)).await.status,
        StatusCode::FORBIDDEN
    );
    let cookie = f.sign_in(TOKEN).await;
    let csrf = f.console_csrf(&cookie).await;

    // A refused form keeps what was typed and names the problem.
    let refused = f
        .post(
            "/console/translators/new",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("name", "Layla"),
                ("email", "layla@t.test"),
                ("pairs", "en>en"),
                ("capacity", "2"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("into itself"), "{}", refused.body);
    assert!(refused.body.contains("value=\"layla@t.test\""));
    let forged = f
        .post(
            "/console/translators/new",
            Some(&cookie),
            &[("csrf", "nope"), ("name", "X")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let added = f
        .post(
            "/console/translators/new",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("name", "Layla Nasser"),
                ("email", "layla@t.test"),
                ("pairs", "en>ar; fr>ar"),
                ("capacity", "2"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = added
        .location()
        .strip_prefix("http://127.0.0.1:8084")
        .unwrap()
        .to_owned();
    let shown = f.get(&page, Some(&cookie)).await;
    assert!(
        shown.body.contains("value=\"en&gt;ar; fr&gt;ar\""),
        "{}",
        shown.body
    );

    // Pause.
    let saved = f
        .post(
            &page,
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("name", "Layla Nasser"),
                ("email", "layla@t.test"),
                ("pairs", "en>ar"),
                ("capacity", "3"),
                ("status", "paused"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let list = f.get("/console/translators", Some(&cookie)).await;
    assert!(list.body.contains("Layla Nasser"));
    assert!(list.body.contains("0 of 3"));
    assert!(list.body.contains("paused"));

    // Import by paste: a bad row shows its line, nothing imported.
    let bad = "name,email,pairs\nKarim,karim@t.test,en>ar\nEve,eve,en>ar\n";
    let import = f
        .post(
            "/console/translators/import",
            Some(&cookie),
            &[("csrf", &csrf), ("csv", bad)],
        )
        .await;
    assert_eq!(import.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(import.body.contains("Nothing was imported"));
    assert!(
        !f.get("/console/translators", Some(&cookie))
            .await
            .body
            .contains("Karim")
    );
    let good = "name,email,pairs\nKarim,karim@t.test,en>ar\n";
    let import = f
        .post(
            "/console/translators/import",
            Some(&cookie),
            &[("csrf", &csrf), ("csv", good)],
        )
        .await;
    assert_eq!(import.status, StatusCode::OK);
    assert!(import.body.contains("1 translators added"));
    let export = f.get("/console/translators/export", Some(&cookie)).await;
    assert!(export.body.contains("karim@t.test"));

    // Remove.
    let removed = f
        .post(&format!("{page}/remove"), Some(&cookie), &[("csrf", &csrf)])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(
        !f.get("/console/translators", Some(&cookie))
            .await
            .body
            .contains("Layla")
    );
}
