//! Running an action: a program (never a shell) or an HTTP request, with a
//! timeout and captured output.

use std::time::Instant;

use crate::wizard::effect::{ActionPlan, Run};
use crate::wizard::incident::Event;

const MAX_OUTPUT: u64 = 64 * 1024;

/// The event that records how it ended: a result, or unknown on timeout.
pub async fn run(plan: &ActionPlan) -> Event {
    let start = Instant::now();
    let fut = async {
        match &plan.run {
            Run::Nothing => Ok((true, "not run (drill)".to_string(), String::new())),
            Run::Program(argv) => program(argv).await,
            Run::Http {
                method,
                url,
                body,
                headers,
            } => http(method, url, body.as_deref(), headers, plan.timeout).await,
        }
    };
    match tokio::time::timeout(plan.timeout, fut).await {
        Err(_) => Event::ActionUnknown {
            reason: format!(
                "no answer within {}: it may or may not have happened",
                humantime::format_duration(plan.timeout)
            ),
        },
        Ok(Err(e)) => Event::ActionResult {
            ok: false,
            status: e,
            output: String::new(),
            millis: start.elapsed().as_millis() as u64,
        },
        Ok(Ok((ok, status, output))) => Event::ActionResult {
            ok,
            status,
            output,
            millis: start.elapsed().as_millis() as u64,
        },
    }
}

async fn program(argv: &[String]) -> Result<(bool, String, String), String> {
    let out = crate::process::run(argv, MAX_OUTPUT, MAX_OUTPUT).await?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.stderr.is_empty() {
        text.push_str("\n[stderr]\n");
        text.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    Ok((out.status.success(), out.status.to_string(), text))
}

async fn http(
    method: &str,
    url: &str,
    body: Option<&str>,
    headers: &[(String, String)],
    timeout: std::time::Duration,
) -> Result<(bool, String, String), String> {
    let client = crate::sources::client::build(timeout, 1, None)?;
    let m = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("invalid HTTP method {method}"))?;
    let mut req = client.request(m, url);
    for (k, v) in headers {
        // The plan and the journal keep `env:NAME` / `file:PATH`; the
        // value is read only here and marked sensitive.
        let value = crate::secret::resolve(v, &format!("header {k}"))?;
        let mut value = reqwest::header::HeaderValue::from_str(&value)
            .map_err(|_| format!("header {k}: value is not valid"))?;
        value.set_sensitive(true);
        req = req.header(k, value);
    }
    if let Some(b) = body {
        // A JSON body says so unless the runbook set its own type.
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            && serde_json::from_str::<serde_json::Value>(b).is_ok()
        {
            req = req.header("content-type", "application/json");
        }
        req = req.body(b.to_string());
    }
    let resp = req
        .send()
        .await
        .map_err(|e| crate::sources::client::describe(&e))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let text: String = text.chars().take(MAX_OUTPUT as usize).collect();
    Ok((
        status.is_success(),
        format!("HTTP {}", status.as_u16()),
        text,
    ))
}
