//! `synkro_store::connect(url)` picks the backend by scheme.

#[tokio::test]
async fn connect_picks_the_backend_by_url_scheme() {
    let mem = synkro_store::connect("sqlite::memory:").await.unwrap();
    assert_eq!(mem.backend(), "sqlite");
    assert!(mem.tenants().await.unwrap().is_empty());
    let file = std::env::temp_dir().join(format!("synkro-connect-{}.db", std::process::id()));
    let url = format!("sqlite://{}", file.display());
    assert_eq!(
        synkro_store::connect(&url).await.unwrap().backend(),
        "sqlite"
    );
    assert!(file.exists());
    let err = synkro_store::connect("mysql://localhost/x")
        .await
        .unwrap_err();
    let text = synkro_core::error::chain(&err);
    assert!(text.contains("mysql") && text.contains("sqlite:"), "{text}");
    if let Some(pg) = synkro_testkit::env::postgres_url() {
        match synkro_store::connect(&pg).await {
            Ok(store) => assert_eq!(store.backend(), "postgres"),
            Err(e) => {
                let _: Option<()> = synkro_testkit::env::postgres_unreachable(&e);
            }
        }
    }
}
