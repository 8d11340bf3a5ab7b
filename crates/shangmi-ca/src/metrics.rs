//! Prometheus metrics (`/metrics`): enrollments, refusals, revocations,
//! CRL publications, OCSP answers and issuance latency.

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder (once per process) and returns its handle.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

/// The text exposition.
pub fn render() -> String {
    handle().map(|h| h.render()).unwrap_or_default()
}

/// A certificate was issued.
pub fn enrolled(action: &str, took: Duration) {
    metrics::counter!("shangmi_ca_certificates_issued_total", "operation" => action.to_string())
        .increment(1);
    metrics::histogram!("shangmi_ca_issuance_seconds").record(took.as_secs_f64());
}

/// A request was refused.
pub fn denied(action: &str, kind: &str) {
    metrics::counter!("shangmi_ca_requests_denied_total", "action" => action.to_string(), "reason" => kind.to_string())
        .increment(1);
}

/// A certificate was revoked.
pub fn revoked() {
    metrics::counter!("shangmi_ca_certificates_revoked_total").increment(1);
}

/// A CRL was published.
pub fn crl_generated() {
    metrics::counter!("shangmi_ca_crls_published_total").increment(1);
}

/// An OCSP answer.
pub fn ocsp(status: &str) {
    metrics::counter!("shangmi_ca_ocsp_answers_total", "status" => status.to_string()).increment(1);
}

/// An HTTP response.
pub fn http(route: &str, status: u16) {
    metrics::counter!("shangmi_ca_http_responses_total", "route" => route.to_string(), "status" => status.to_string())
        .increment(1);
}
