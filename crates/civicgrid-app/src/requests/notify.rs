//! The outbound notification channel. Changes put notifications in the outbox in their
//! own transaction; [`crate::App::deliver_request_notifications`] hands them to the
//! configured [`Notifier`] afterwards. A webhook or SMTP notifier implements the trait;
//! the default accepts everything and sends nothing.

use std::future::Future;
use std::pin::Pin;

use civicgrid_store::requests::OutboxItem;
use thiserror::Error;

#[derive(Debug, Error)]
#[error("notification not delivered: {0}")]
pub struct NotifyError(pub String);

/// Delivers one notification. The payload is JSON without personal data (request id,
/// event, kind, status, category, due time); the recipient is `user:<id>`,
/// `party:<org:…|role:…>` or `role:<role>@<path>`.
pub trait Notifier: Send + Sync {
    fn deliver<'a>(
        &'a self,
        item: &'a OutboxItem,
    ) -> Pin<Box<dyn Future<Output = Result<(), NotifyError>> + Send + 'a>>;
}

/// Accepts every notification and sends nothing (the in-app inbox still works).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopNotifier;

impl Notifier for NoopNotifier {
    fn deliver<'a>(
        &'a self,
        _item: &'a OutboxItem,
    ) -> Pin<Box<dyn Future<Output = Result<(), NotifyError>> + Send + 'a>> {
        Box::pin(async { Ok(()) })
    }
}
