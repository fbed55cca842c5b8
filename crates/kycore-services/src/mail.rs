//! Sending e-mail through the deployment's SMTP server (`[smtp]`): how to reach it and one
//! plain-text message at a time. A leaf: it knows nothing of cases. Sending is a network
//! call, so it happens only in jobs, never inside a unit of work.

use std::fmt;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::ServiceError;

/// How long one SMTP conversation may take before the job tries again later.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (SMTPS, port 465 by default).
    Tls,
    /// Plain first, then `STARTTLS`, which the server must offer (port 587 by default).
    StartTls,
    /// No encryption at all (port 25 by default): only for a relay on the same host or a
    /// test sink.
    None,
}

impl SmtpSecurity {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tls" => Some(SmtpSecurity::Tls),
            "starttls" => Some(SmtpSecurity::StartTls),
            "none" => Some(SmtpSecurity::None),
            _ => None,
        }
    }
}

/// The `[smtp]` settings.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    /// The security mode's usual port unless set.
    pub port: Option<u16>,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `Example Ltd <verify@example.com>`.
    pub from: String,
}

impl fmt::Debug for SmtpSettings {
    // The password stays out of logs and panics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("from", &self.from)
            .finish()
    }
}

/// A ready SMTP client: one connection per message (no pool; links are sent one at a time).
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// A plain-text message to one recipient.
pub(crate) struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    /// Checks the settings and prepares the client; connects only when sending.
    pub(crate) fn new(settings: &SmtpSettings) -> Result<Self, ServiceError> {
        let invalid = |what: &str, e: &dyn fmt::Display| {
            ServiceError::invalid("invalid_smtp_settings", format!("[smtp] {what}: {e}"))
        };
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| invalid("from is not an e-mail address", &e))?;
        let host = settings.host.as_str();
        let builder = match settings.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| invalid("host", &e))?,
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| invalid("host", &e))?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder.timeout(Some(SMTP_TIMEOUT));
        if let Some(port) = settings.port {
            builder = builder.port(port);
        }
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends `mail`; a server that cannot be reached or refuses is `Unavailable` (the job
    /// tries again), an address it cannot take is the caller's.
    pub(crate) async fn send(&self, mail: Mail) -> Result<(), ServiceError> {
        let to: Mailbox = mail.to.parse().map_err(|_| {
            ServiceError::invalid("invalid_email", "the recipient's e-mail address is invalid")
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .map_err(|e| ServiceError::internal(format!("an e-mail could not be built: {e}")))?;
        self.transport.send(message).await.map_err(|e| {
            ServiceError::unavailable("smtp_failed", format!("sending e-mail: {e}"))
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(from: &str) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(2525),
            security: SmtpSecurity::None,
            username: None,
            password: Some("secret".into()),
            from: from.into(),
        }
    }

    #[test]
    fn settings_are_checked_and_the_password_is_not_shown() {
        assert!(Mailer::new(&settings("kycore <verify@example.com>")).is_ok());
        assert!(Mailer::new(&settings("not an address")).is_err());
        assert!(!format!("{:?}", settings("a@b.c")).contains("secret"));
        assert_eq!(
            SmtpSecurity::parse("starttls"),
            Some(SmtpSecurity::StartTls)
        );
        assert_eq!(SmtpSecurity::parse("ssl"), None);
    }
}
