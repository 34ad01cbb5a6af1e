//! Files attached to a notice: checked by the domain
//! ([`civicgrid_domain::participation::attachments`]) before anything is written, added
//! while the notice is a draft (or with the notice itself), frozen once it is
//! published, and served to whoever may read the notice — an anonymous reader of the
//! public board included. Adding and removing are audited in their transaction.

use civicgrid_domain::participation::attachments::{CheckedAttachment, check_attachment};
use civicgrid_domain::platform::access::Actor;
use civicgrid_store::participation::notice_attachments::{
    self as files, NewAttachment, NoticeAttachment,
};
use civicgrid_store::participation::notices as repo;
use civicgrid_store::{AnyConnection, commit, now_ms};

use super::writing::notice_to_manage;
use super::{StoredNotice, state_of, view_of};
use crate::authz::{Change, record};
use crate::{App, AppError, AppResult};

/// A file as uploaded: the name the sender's device gave it and its bytes.
#[derive(Clone, Default)]
pub struct UploadedFile {
    pub file_name: String,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for UploadedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadedFile")
            .field("file_name", &self.file_name)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// An attachment as a reader sees it on the notice.
pub use civicgrid_store::participation::notice_attachments::NoticeAttachment as AttachmentLine;

/// Checks `uploads` for a notice that already carries `already` files; the first
/// refused one is an error on the `attachments` field naming the file.
pub(super) fn check_uploads(
    uploads: &[UploadedFile],
    already: usize,
) -> AppResult<Vec<(CheckedAttachment, String)>> {
    use sha2::Digest;
    uploads
        .iter()
        .filter(|u| !u.data.is_empty() || !u.file_name.is_empty())
        .enumerate()
        .map(|(i, u)| {
            let checked = check_attachment(&u.file_name, &u.data, already + i).map_err(|e| {
                let name = u.file_name.trim();
                if name.is_empty() {
                    AppError::invalid("attachments", e)
                } else {
                    AppError::invalid("attachments", format!("{name}: {e}"))
                }
            })?;
            let sha256 = hex::encode(sha2::Sha256::digest(&checked.data));
            Ok((checked, sha256))
        })
        .collect()
}

/// Stores checked attachments of notice `n` inside the caller's transaction.
pub(super) async fn store_attachments(
    tx: &mut AnyConnection,
    actor: &Actor,
    n: &StoredNotice,
    checked: &[(CheckedAttachment, String)],
    now: i64,
) -> AppResult<()> {
    for (a, sha256) in checked {
        files::insert_attachment(
            tx,
            &NewAttachment {
                notice_id: n.id,
                file_name: &a.file_name,
                content_type: a.content_type,
                sha256,
                uploaded_by: actor.user_id,
                now,
                data: &a.data,
            },
        )
        .await?;
    }
    Ok(())
}

/// A notice that may still take or lose files: a draft the actor manages.
async fn draft_to_change(
    tx: &mut AnyConnection,
    actor: &Actor,
    notice_id: i64,
) -> AppResult<StoredNotice> {
    let n = notice_to_manage(tx, actor, notice_id).await?;
    if !state_of(&n).may_publish() {
        return Err(AppError::Conflict(
            "a published notice keeps the files it was read with; withdraw it and write a new one"
                .into(),
        ));
    }
    Ok(n)
}

impl App {
    /// Adds files to a draft notice.
    pub async fn add_notice_attachments(
        &self,
        actor: &Actor,
        notice_id: i64,
        uploads: &[UploadedFile],
    ) -> AppResult<Vec<AttachmentLine>> {
        let mut tx = self.db.begin_write().await?;
        let n = draft_to_change(&mut tx, actor, notice_id).await?;
        if uploads.iter().all(|u| u.data.is_empty()) {
            return Err(AppError::invalid("attachments", "choose a file to attach"));
        }
        let already = files::attachments(&mut tx, n.id).await?.len();
        let checked = check_uploads(uploads, already)?;
        store_attachments(&mut tx, actor, &n, &checked, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "notice.attach",
                target_type: "notice",
                target_id: n.id.to_string(),
                scope: Some(&n.scope()),
                reason: None,
                details: serde_json::json!({"files": checked.len()}),
            },
        )
        .await?;
        let list = files::attachments(&mut tx, n.id).await?;
        commit(tx).await?;
        Ok(list)
    }

    /// Removes a file from a draft notice.
    pub async fn remove_notice_attachment(&self, actor: &Actor, id: i64) -> AppResult<i64> {
        let mut tx = self.db.begin_write().await?;
        let a = files::attachment(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound("attachment"))?;
        let n = draft_to_change(&mut tx, actor, a.notice_id).await?;
        files::delete_attachment(&mut tx, a.id).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "notice.detach",
                target_type: "notice",
                target_id: n.id.to_string(),
                scope: Some(&n.scope()),
                reason: None,
                details: serde_json::json!({"content_type": a.content_type}),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(n.id)
    }

    /// An attached file with its bytes, for whoever may read its notice (`None`: an
    /// anonymous reader of the public board); anything else is not found.
    pub async fn notice_attachment(
        &self,
        actor: Option<&Actor>,
        id: i64,
    ) -> AppResult<(NoticeAttachment, Vec<u8>)> {
        let mut conn = self.db.read().await?;
        let a = files::attachment(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("attachment"))?;
        let n = repo::get_notice(&mut conn, a.notice_id)
            .await
            .map_err(|_| AppError::NotFound("attachment"))?;
        view_of(&mut conn, actor, &n).await.map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("attachment"),
            e => e,
        })?;
        let data = files::attachment_data(&mut conn, a.id).await?;
        Ok((a, data))
    }
}
