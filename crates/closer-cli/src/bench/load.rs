//! The load generator `closer bench load`: its own process, so that the server's figures are
//! not flattered by sharing a runtime with its client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde::{Deserialize, Serialize};

/// What one load run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadReport {
    pub requests: usize,
    /// Answers outside 2xx, and requests that failed.
    pub errors: usize,
    pub seconds: f64,
    pub requests_per_second: f64,
    /// Round trip as the client saw it.
    pub p50_us: u64,
    pub p99_us: u64,
    /// Server time as the answers' `Server-Timing` header gave it (0 when none did).
    pub server_p50_us: u64,
    pub server_p99_us: u64,
}

/// The `q`-quantile of sorted values.
fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Requests to send: the URLs are taken in turn.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    urls: Vec<String>,
    method: reqwest::Method,
    body: Option<String>,
    headers: reqwest::header::HeaderMap,
    concurrency: usize,
    duration: Duration,
}

impl LoadPlan {
    pub fn new(
        urls: Vec<String>,
        method: &str,
        body: Option<String>,
        headers: &[String],
        concurrency: usize,
        seconds: f64,
    ) -> anyhow::Result<LoadPlan> {
        if urls.is_empty() {
            bail!("give at least one --url");
        }
        if let Some(far) = urls.iter().find(|url| !is_local(url)) {
            bail!("the load generator only targets this machine (http://127.0.0.1…), not {far}");
        }
        if concurrency == 0 || !(seconds > 0.0 && seconds <= 3600.0) {
            bail!("give at least one connection and between a moment and an hour");
        }
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| anyhow::anyhow!("'{method}' is not an HTTP method"))?;
        let mut map = reqwest::header::HeaderMap::new();
        for header in headers {
            let Some((name, value)) = header.split_once(':') else {
                bail!("write a header as 'Name: value', not '{header}'");
            };
            map.insert(
                reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())?,
                reqwest::header::HeaderValue::from_str(value.trim())?,
            );
        }
        if body.is_some() {
            map.insert(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json"),
            );
        }
        Ok(LoadPlan {
            urls,
            method,
            body,
            headers: map,
            concurrency,
            duration: Duration::from_secs_f64(seconds),
        })
    }
}

fn is_local(url: &str) -> bool {
    [
        "http://127.0.0.1:",
        "http://127.0.0.1/",
        "http://localhost:",
        "http://localhost/",
        "http://[::1]",
    ]
    .iter()
    .any(|prefix| url.starts_with(prefix))
}

/// The `app;dur=` milliseconds of a `Server-Timing` header, in µs.
fn server_time(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let value = headers.get("server-timing")?.to_str().ok()?;
    let milliseconds: f64 = value
        .split(';')
        .find_map(|part| part.trim().strip_prefix("dur="))?
        .parse()
        .ok()?;
    Some((milliseconds * 1000.0).round() as u64)
}

/// Sends the plan's requests from its connections until its time is up.
pub async fn run(plan: LoadPlan) -> anyhow::Result<LoadReport> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.concurrency)
        .build()?;
    let started = Instant::now();
    let deadline = started + plan.duration;
    let plan = Arc::new(plan);
    let mut workers = Vec::with_capacity(plan.concurrency);
    for worker in 0..plan.concurrency {
        let client = client.clone();
        let plan = plan.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut server = Vec::new();
            let mut errors = 0usize;
            // Each connection starts elsewhere in the list, so they do not ask in lockstep.
            let mut next = worker * plan.urls.len() / plan.concurrency;
            while Instant::now() < deadline {
                let url = &plan.urls[next % plan.urls.len()];
                next += 1;
                let sent = Instant::now();
                let mut request = client.request(plan.method.clone(), url).headers(plan.headers.clone());
                if let Some(body) = &plan.body {
                    request = request.body(body.clone());
                }
                let ok = match request.send().await {
                    Ok(answer) => {
                        server.extend(server_time(answer.headers()));
                        let ok = answer.status().is_success();
                        ok && answer.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                latencies.push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
                if !ok {
                    errors += 1;
                }
            }
            (latencies, server, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut server = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mine, theirs, failed) = worker.await?;
        latencies.extend(mine);
        server.extend(theirs);
        errors += failed;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    server.sort_unstable();
    Ok(LoadReport {
        requests: latencies.len(),
        errors,
        seconds,
        requests_per_second: latencies.len() as f64 / seconds,
        p50_us: quantile(&latencies, 0.50),
        p99_us: quantile(&latencies, 0.99),
        server_p50_us: quantile(&server, 0.50),
        server_p99_us: quantile(&server, 0.99),
    })
}

#[cfg(test)]
mod tests {
    use super::{quantile, server_time};

    #[test]
    fn quantiles_and_server_timing() {
        let sorted: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&sorted, 0.5), 51);
        assert_eq!(quantile(&sorted, 0.99), 99);
        assert_eq!(quantile(&[], 0.99), 0);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("server-timing", "app;dur=1.250".parse().expect("header"));
        assert_eq!(server_time(&headers), Some(1250));
        headers.insert("server-timing", "app".parse().expect("header"));
        assert_eq!(server_time(&headers), None);
    }
}
