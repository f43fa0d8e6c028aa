//! GraphiQL without a CDN (issue 6, item 15): `GET /graphql` names no outside origin, its
//! assets come from the binary, the page cannot be framed and runs under a CSP without inline
//! or eval'd script; the docs panel's introspection query passes the depth limit, which still
//! refuses any other deep document.

use serde_json::{json, Value};

use crate::harness::*;

/// graphql-js 16.9 `getIntrospectionQuery()` with its default options, exactly as it prints it.
const INTROSPECTION_QUERY: &str = r#"
    query IntrospectionQuery {
      __schema {
        
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types {
          ...FullType
        }
        directives {
          name
          description
          
          locations
          args {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      
      
      fields(includeDeprecated: true) {
        name
        description
        args {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      
      
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                    ofType {
                      kind
                      name
                      ofType {
                        kind
                        name
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  "#;

/// `getIntrospectionQuery({ descriptions, specifiedByUrl, directiveIsRepeatable,
/// schemaDescription, inputValueDeprecation: true })`: every option GraphiQL may switch on.
const INTROSPECTION_QUERY_ALL_OPTIONS: &str = r#"
    query IntrospectionQuery {
      __schema {
        description
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types {
          ...FullType
        }
        directives {
          name
          description
          isRepeatable
          locations
          args(includeDeprecated: true) {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      specifiedByURL
      
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      isDeprecated
      deprecationReason
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                    ofType {
                      kind
                      name
                      ofType {
                        kind
                        name
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  "#;

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `src`/`href` values of the page's `<script>` and `<link>` elements.
fn references(html: &str) -> Vec<String> {
    let mut refs = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            refs.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    refs
}

#[tokio::test]
async fn the_page_loads_nothing_from_another_origin() {
    let app = TestApp::spawn().await;
    let resp = get(&app, "/graphql").await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(header(&resp, "content-type").starts_with("text/html"));
    let html = resp.text().await.unwrap_or_default();

    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "{html}"
    );
    assert!(!html.contains("//cdn") && !html.contains("unpkg") && !html.contains("jsdelivr"));
    let refs = references(&html);
    assert!(refs.len() >= 5, "{refs:?}");
    for r in &refs {
        assert!(r.starts_with("/graphql/assets/"), "{r} is not one of ours");
    }
    // No inline script: the bootstrap is a file too.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=").count()
    );
    assert!(refs.iter().any(|r| r.contains("graphiql.min.js")));
    assert!(refs
        .iter()
        .any(|r| r.contains("react-dom.production.min.js")));
    assert!(refs.iter().any(|r| r.contains("graphiql.min.css")));

    // Every asset is served from the binary, with a long cache lifetime.
    for r in &refs {
        let resp = get(&app, r).await;
        assert_eq!(resp.status().as_u16(), 200, "{r}");
        let ty = header(&resp, "content-type");
        if r.contains(".js") {
            assert!(ty.starts_with("text/javascript"), "{r}: {ty}");
        } else {
            assert!(ty.starts_with("text/css"), "{r}: {ty}");
        }
        assert!(
            header(&resp, "cache-control").contains("max-age=31536000"),
            "{r}"
        );
        let body = resp.bytes().await.unwrap_or_default();
        assert!(body.len() > 100, "{r}");
    }
    let graphiql = get(&app, "/graphql/assets/graphiql.min.js").await;
    let js = graphiql.text().await.unwrap_or_default();
    assert!(js.contains("window.GraphiQL"), "not the GraphiQL bundle");
    // Licences ship with the code; unknown names are 404.
    assert_eq!(
        get(&app, "/graphql/assets/LICENSE-graphiql")
            .await
            .status()
            .as_u16(),
        200
    );
    for path in [
        "/graphql/assets/nope.js",
        "/graphql/assets/..%2F..%2FCargo.toml",
        "/graphql/assets/init.js.map",
    ] {
        assert_eq!(get(&app, path).await.status().as_u16(), 404, "{path}");
    }
}

#[tokio::test]
async fn the_page_has_a_strict_csp_and_cannot_be_framed() {
    let app = TestApp::spawn().await;
    let resp = get(&app, "/graphql").await;

    assert_eq!(header(&resp, "x-frame-options"), "DENY");
    let csp = header(&resp, "content-security-policy");
    let directive = |name: &str| -> String {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        directive("frame-ancestors"),
        "frame-ancestors 'none'",
        "{csp}"
    );
    assert_eq!(directive("default-src"), "default-src 'none'", "{csp}");
    assert_eq!(directive("script-src"), "script-src 'self'", "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert!(!csp.contains("https:") && !csp.contains("http:"), "{csp}");
    assert_eq!(directive("connect-src"), "connect-src 'self'", "{csp}");
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
}

fn assert_full_schema(resp: &Value) {
    assert!(resp.get("errors").is_none(), "{resp}");
    let schema = &resp["data"]["__schema"];
    assert_eq!(schema["queryType"]["name"], "Query");
    assert_eq!(schema["mutationType"]["name"], "Mutation");
    assert_eq!(schema["subscriptionType"]["name"], "Subscription");
    let types = schema["types"].as_array().cloned().unwrap_or_default();
    assert!(types.len() > 20, "{} types", types.len());
    assert!(types
        .iter()
        .any(|t| t["name"] == "Query" && t["fields"].as_array().is_some_and(|f| !f.is_empty())));
    assert!(schema["directives"]
        .as_array()
        .is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn the_standard_introspection_query_answers_over_post() {
    let app = TestApp::spawn().await;

    let resp = app.gql(None, INTROSPECTION_QUERY, json!({})).await;
    assert_full_schema(&resp);
    let resp = app
        .gql(None, INTROSPECTION_QUERY_ALL_OPTIONS, json!({}))
        .await;
    assert_full_schema(&resp);
    assert!(resp["data"]["__schema"].get("description").is_some());
    // Signed in, too (GraphiQL sends the headers the user set).
    let admin = app.admin_token().await;
    assert_full_schema(&app.gql(Some(&admin), INTROSPECTION_QUERY, json!({})).await);
}

#[tokio::test]
async fn deep_documents_that_are_not_only_introspection_are_still_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let refused = |resp: &Value| {
        assert!(resp.get("data").is_none_or(|d| d.is_null()), "{resp}");
        let message = resp["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.to_lowercase().contains("nested too deep"), "{resp}");
    };

    // The introspection query with one field of ours beside it runs under the normal limit.
    let mixed = INTROSPECTION_QUERY.replacen("__schema {", "me { id } __schema {", 1);
    refused(&app.gql(Some(&admin), &mixed, json!({})).await);

    // Introspection that multiplies (type members nested in type members) gets no extra depth.
    let bomb = format!(
        "{{ __type(name: \"Query\") {{ {}name{} }} }}",
        "fields { type { ".repeat(6),
        " } }".repeat(6)
    );
    refused(&app.gql(None, &bomb, json!({})).await);

    let deep_ofs = "kind ofType { ".repeat(14) + "name" + &" }".repeat(14);

    // Introspection alone: within its own limit a deep chain answers; beyond it, refused too.
    let ok = format!("{{ __type(name: \"Query\") {{ {deep_ofs} }} }}");
    let resp = app.gql(None, &ok, json!({})).await;
    assert!(resp.get("errors").is_none(), "{resp}");
    let too_deep_ofs = "kind ofType { ".repeat(22) + "name" + &" }".repeat(22);
    let too_deep = format!("{{ __type(name: \"Query\") {{ {too_deep_ofs} }} }}");
    refused(&app.gql(None, &too_deep, json!({})).await);
}
