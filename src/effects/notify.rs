//! Sending a notification to one channel: webhook (JSON), Slack incoming
//! webhook, PagerDuty Events API v2, a command's stdin, a file, or the
//! operator's clipboard (OSC 52). Secrets are read from the environment
//! when sending and never appear in a message or a log line.

use std::io::Write as _;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::config::NotifyKind;
use crate::wizard::incident::Event;

/// The PagerDuty Events API v2 endpoint, used when `url` is not set.
pub const PAGERDUTY: &str = "https://events.pagerduty.com/v2/enqueue";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// What is kept of a channel's answer.
const RESPONSE_EXCERPT: usize = 300;

pub use crate::wizard::effect::Send;

/// A value of the config, or the environment variable it names.
fn secret(v: &str, key: &str) -> Result<String, String> {
    secret_from(v, key, |var| std::env::var_os(var))
}

/// `secret` over any environment: tests cannot set variables in-process.
/// An empty variable is refused by name, so the operator does not read a
/// URL parser's "relative URL without a base" for an unset secret.
fn secret_from(
    v: &str,
    key: &str,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<String, String> {
    crate::secret::resolve_with(v, key, env)
}

/// The channel's URL, read from the environment when it says `env:NAME`.
fn url_of(
    v: &str,
    key: &str,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<String, String> {
    let url = secret_from(v, key, env)?;
    match v.strip_prefix("env:") {
        // The value is a secret: say what is wrong with it, never what it is.
        Some(var) => reqwest::Url::parse(&url)
            .map(|_| url)
            .map_err(|e| format!("{key}: environment variable {var} does not hold a URL ({e})")),
        None => Ok(url),
    }
}

/// The HTTP body of a message for a channel kind.
pub fn body(s: &Send, routing_key: &str) -> serde_json::Value {
    match s.cfg.effective_kind() {
        NotifyKind::Slack => json!({ "text": s.text }),
        NotifyKind::Pagerduty if s.resolve => json!({
            "routing_key": routing_key,
            "event_action": "resolve",
            "dedup_key": s.incident,
        }),
        NotifyKind::Pagerduty => {
            let summary: String = s
                .text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("baton notification")
                .chars()
                .take(1024)
                .collect();
            json!({
                "routing_key": routing_key,
                "event_action": "trigger",
                "dedup_key": s.incident,
                "payload": {
                    "summary": summary,
                    "source": s.operator,
                    "severity": s.severity,
                    "custom_details": { "text": s.text, "incident": s.incident },
                },
            })
        }
        // A template that renders JSON (failover_complete) is sent as it
        // is; plain text is wrapped.
        _ => serde_json::from_str::<serde_json::Value>(&s.text)
            .ok()
            .filter(|v| v.is_object() || v.is_array())
            .unwrap_or_else(
                || json!({ "text": s.text, "incident": s.incident, "operator": s.operator }),
            ),
    }
}

/// The bytes POSTed: a JSON message (a template that renders JSON) exactly
/// as the operator saw and edited it, so the journal's text is what was
/// sent (key order and spacing kept); any other body serialised.
pub fn body_bytes(s: &Send, routing_key: &str) -> Result<Vec<u8>, String> {
    let exact = s.cfg.effective_kind() == NotifyKind::Webhook
        && serde_json::from_str::<serde_json::Value>(&s.text)
            .is_ok_and(|v| v.is_object() || v.is_array());
    if exact {
        return Ok(s.text.as_bytes().to_vec());
    }
    serde_json::to_vec(&body(s, routing_key)).map_err(|e| format!("cannot encode the message: {e}"))
}

/// Sends `s`; the channel's answer on success.
pub async fn send(s: &Send) -> Result<String, String> {
    let timeout = s.cfg.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0);
    let fut = async {
        match s.cfg.effective_kind() {
            NotifyKind::Webhook | NotifyKind::Slack | NotifyKind::Pagerduty => {
                http(s, timeout).await
            }
            NotifyKind::Command => command(s).await,
            NotifyKind::File => file(s),
            NotifyKind::Clipboard => {
                copy(&s.text);
                Ok("copied to your clipboard (OSC 52): paste it where it belongs".into())
            }
        }
    };
    tokio::time::timeout(timeout, fut)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no answer within {}: it may not have arrived",
                humantime::format_duration(timeout)
            ))
        })
}

async fn http(s: &Send, timeout: Duration) -> Result<String, String> {
    let kind = s.cfg.effective_kind();
    let url = match (&s.cfg.url, kind) {
        (Some(u), _) => url_of(u, &format!("notify.{}.url", s.channel), |var| {
            std::env::var_os(var)
        })?,
        (None, NotifyKind::Pagerduty) => PAGERDUTY.to_string(),
        (None, _) => return Err("this channel has no url".into()),
    };
    let key = match (&s.cfg.routing_key, kind) {
        (Some(k), NotifyKind::Pagerduty) => {
            secret(k, &format!("notify.{}.routing_key", s.channel))?
        }
        (None, NotifyKind::Pagerduty) => return Err("this channel has no routing_key".into()),
        _ => String::new(),
    };
    let client = crate::sources::client::build(timeout, 1, None)?;
    let headers = crate::sources::client::headers(&s.cfg.headers)?;
    let resp = client
        .post(&url)
        .headers(headers)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body_bytes(s, &key)?)
        .send()
        .await
        .map_err(|e| crate::sources::client::describe(&e))?;
    let status = resp.status();
    let text: String = resp
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(RESPONSE_EXCERPT)
        .collect();
    let answer = format!(
        "HTTP {}{}",
        status.as_u16(),
        if text.trim().is_empty() {
            String::new()
        } else {
            format!(": {}", text.trim())
        }
    );
    if status.is_success() {
        Ok(answer)
    } else {
        Err(answer)
    }
}

async fn command(s: &Send) -> Result<String, String> {
    let argv = s.cfg.command.clone().unwrap_or_default();
    let out = crate::process::run_with_input(&argv, Some(s.text.as_bytes()), 4096, 4096).await?;
    let said = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .trim()
            .chars()
            .take(RESPONSE_EXCERPT)
            .collect::<String>()
    };
    if out.status.success() {
        Ok(format!(
            "{}{}",
            out.status,
            match said(&out.stdout) {
                t if t.is_empty() => String::new(),
                t => format!(": {t}"),
            }
        ))
    } else {
        Err(format!("{}: {}", out.status, said(&out.stderr)))
    }
}

/// Appends one block per message and flushes it to disk.
fn file(s: &Send) -> Result<String, String> {
    let path = s.cfg.path.clone().unwrap_or_default();
    let path = crate::effects::journal::expand(&path);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let block = format!(
        "--- {} {} {} {}\n{}\n\n",
        s.sent.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        s.incident,
        s.step,
        s.operator,
        s.text.trim_end()
    );
    f.write_all(block.as_bytes())
        .and_then(|()| f.sync_data())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(format!("appended to {}", path.display()))
}

/// The journal event for how a send ended.
pub fn outcome(s: &Send, started: Instant, result: Result<String, String>) -> Event {
    let target = crate::wizard::notify::target(&s.cfg);
    match result {
        Ok(response) => Event::Notified {
            channel: s.channel.clone(),
            target,
            text: s.text.clone(),
            response,
            sent: s.sent,
            millis: started.elapsed().as_millis() as u64,
            due: s.due,
            late: s.due.is_some_and(|d| s.sent > d),
        },
        Err(error) => Event::NotifyFailed {
            channel: s.channel.clone(),
            target,
            text: s.text.clone(),
            error,
        },
    }
}

/// OSC 52: the terminal (local, across SSH and tmux with `set-clipboard
/// on`) puts the text on the clipboard.
pub fn copy(text: &str) {
    let seq = osc52(text);
    let mut out = std::io::stdout();
    let _ = out.write_all(seq.as_bytes()).and_then(|()| out.flush());
}

/// The escape sequence for `text`.
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_encodes_the_text() {
        assert_eq!(super::osc52("acct-1003"), "\x1b]52;c;YWNjdC0xMDAz\x07");
        // A multi-line message survives as one sequence, newlines included.
        assert_eq!(super::osc52("a\nb"), "\x1b]52;c;YQpi\x07");
    }

    #[test]
    fn an_empty_or_unset_url_variable_is_named_with_its_key() {
        let env = |name: &str| match name {
            "HOOK" => Some(std::ffi::OsString::new()),
            "JUNK" => Some("not a url".into()),
            "GOOD" => Some("https://hooks.example.invalid/x".into()),
            _ => None,
        };
        let key = "notify.ops.url";
        assert_eq!(
            super::url_of("env:HOOK", key, env).expect_err("empty"),
            "notify.ops.url: environment variable HOOK is empty"
        );
        assert_eq!(
            super::url_of("env:NOPE", key, env).expect_err("unset"),
            "notify.ops.url: environment variable NOPE is not set"
        );
        let junk = super::url_of("env:JUNK", key, env).expect_err("junk");
        assert!(
            junk.starts_with("notify.ops.url: environment variable JUNK does not hold a URL")
                && !junk.contains("not a url"),
            "the secret stays out of the message: {junk}"
        );
        assert_eq!(
            super::url_of("env:GOOD", key, env).as_deref(),
            Ok("https://hooks.example.invalid/x")
        );
    }
}
