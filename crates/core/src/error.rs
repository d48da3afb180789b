//! One error taxonomy for the whole platform, in the style of Meilisearch: every error has a stable
//! machine code (an API value: never rename one), a category that the HTTP edge maps to a status, a
//! human message, and the input field it concerns when there is one.

use serde::Serialize;
use std::fmt;

/// Stable error codes. The `snake_case` form is the API value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // Identifier parsing.
    EmptyInput,
    InputTooLong,
    UnknownKind,
    InvalidPhone,
    InvalidBankAccount,
    UnknownBank,
    InvalidCard,
    InvalidEwallet,
    UnknownEwalletProvider,
    InvalidUrl,
    InvalidDomain,
    InvalidEmail,
    InvalidIp,
    InvalidSocial,
    UnknownSocialPlatform,
    InvalidCrypto,
    InvalidChecksum,
    InvalidVietqr,
    VietqrCrcMismatch,
    // Requests in general.
    InvalidRequest,
    MissingField,
    PayloadTooLarge,
    MethodNotAllowed,
    UnsupportedMediaType,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
    Unavailable,
    Internal,
    // Reports, intake and the store.
    UnknownField,
    InvalidType,
    InvalidValue,
    InvalidUtf8,
    InvalidScamType,
    UnknownProvince,
    InvalidSmsReport,
    InvalidCsv,
    InvalidIdempotencyKey,
    UnsupportedFileType,
    InvalidFile,
    FileTooLarge,
    TooManyFiles,
    ApiKeyRevoked,
    IdempotencyKeyReused,
    InvalidStatusTransition,
    SchemaVersionMismatch,
    InvalidRules,
}

/// What kind of failure a code is; the HTTP edge maps it to a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCategory {
    InvalidRequest,
    PayloadTooLarge,
    MethodNotAllowed,
    UnsupportedMediaType,
    Authentication,
    Authorization,
    NotFound,
    Conflict,
    RateLimited,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::EmptyInput,
        ErrorCode::InputTooLong,
        ErrorCode::UnknownKind,
        ErrorCode::InvalidPhone,
        ErrorCode::InvalidBankAccount,
        ErrorCode::UnknownBank,
        ErrorCode::InvalidCard,
        ErrorCode::InvalidEwallet,
        ErrorCode::UnknownEwalletProvider,
        ErrorCode::InvalidUrl,
        ErrorCode::InvalidDomain,
        ErrorCode::InvalidEmail,
        ErrorCode::InvalidIp,
        ErrorCode::InvalidSocial,
        ErrorCode::UnknownSocialPlatform,
        ErrorCode::InvalidCrypto,
        ErrorCode::InvalidChecksum,
        ErrorCode::InvalidVietqr,
        ErrorCode::VietqrCrcMismatch,
        ErrorCode::InvalidRequest,
        ErrorCode::MissingField,
        ErrorCode::PayloadTooLarge,
        ErrorCode::MethodNotAllowed,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
        ErrorCode::UnknownField,
        ErrorCode::InvalidType,
        ErrorCode::InvalidValue,
        ErrorCode::InvalidUtf8,
        ErrorCode::InvalidScamType,
        ErrorCode::UnknownProvince,
        ErrorCode::InvalidSmsReport,
        ErrorCode::InvalidCsv,
        ErrorCode::InvalidIdempotencyKey,
        ErrorCode::UnsupportedFileType,
        ErrorCode::InvalidFile,
        ErrorCode::FileTooLarge,
        ErrorCode::TooManyFiles,
        ErrorCode::ApiKeyRevoked,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::InvalidStatusTransition,
        ErrorCode::SchemaVersionMismatch,
        ErrorCode::InvalidRules,
    ];

    /// The stable API value, e.g. `invalid_phone`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            EmptyInput => "empty_input",
            InputTooLong => "input_too_long",
            UnknownKind => "unknown_kind",
            InvalidPhone => "invalid_phone",
            InvalidBankAccount => "invalid_bank_account",
            UnknownBank => "unknown_bank",
            InvalidCard => "invalid_card",
            InvalidEwallet => "invalid_ewallet",
            UnknownEwalletProvider => "unknown_ewallet_provider",
            InvalidUrl => "invalid_url",
            InvalidDomain => "invalid_domain",
            InvalidEmail => "invalid_email",
            InvalidIp => "invalid_ip",
            InvalidSocial => "invalid_social",
            UnknownSocialPlatform => "unknown_social_platform",
            InvalidCrypto => "invalid_crypto",
            InvalidChecksum => "invalid_checksum",
            InvalidVietqr => "invalid_vietqr",
            VietqrCrcMismatch => "vietqr_crc_mismatch",
            InvalidRequest => "invalid_request",
            MissingField => "missing_field",
            PayloadTooLarge => "payload_too_large",
            MethodNotAllowed => "method_not_allowed",
            UnsupportedMediaType => "unsupported_media_type",
            Unauthenticated => "unauthenticated",
            Forbidden => "forbidden",
            NotFound => "not_found",
            Conflict => "conflict",
            RateLimited => "rate_limited",
            Unavailable => "unavailable",
            Internal => "internal",
            UnknownField => "unknown_field",
            InvalidType => "invalid_type",
            InvalidValue => "invalid_value",
            InvalidUtf8 => "invalid_utf8",
            InvalidScamType => "invalid_scam_type",
            UnknownProvince => "unknown_province",
            InvalidSmsReport => "invalid_sms_report",
            InvalidCsv => "invalid_csv",
            InvalidIdempotencyKey => "invalid_idempotency_key",
            UnsupportedFileType => "unsupported_file_type",
            InvalidFile => "invalid_file",
            FileTooLarge => "file_too_large",
            TooManyFiles => "too_many_files",
            ApiKeyRevoked => "api_key_revoked",
            IdempotencyKeyReused => "idempotency_key_reused",
            InvalidStatusTransition => "invalid_status_transition",
            SchemaVersionMismatch => "schema_version_mismatch",
            InvalidRules => "invalid_rules",
        }
    }

    pub fn category(self) -> ErrorCategory {
        use ErrorCode::*;
        match self {
            PayloadTooLarge => ErrorCategory::PayloadTooLarge,
            MethodNotAllowed => ErrorCategory::MethodNotAllowed,
            UnsupportedMediaType => ErrorCategory::UnsupportedMediaType,
            Unauthenticated => ErrorCategory::Authentication,
            Forbidden => ErrorCategory::Authorization,
            NotFound => ErrorCategory::NotFound,
            Conflict => ErrorCategory::Conflict,
            RateLimited => ErrorCategory::RateLimited,
            Unavailable => ErrorCategory::Unavailable,
            Internal => ErrorCategory::Internal,
            UnsupportedFileType => ErrorCategory::UnsupportedMediaType,
            FileTooLarge => ErrorCategory::PayloadTooLarge,
            TooManyFiles => ErrorCategory::PayloadTooLarge,
            ApiKeyRevoked => ErrorCategory::Authentication,
            IdempotencyKeyReused => ErrorCategory::Conflict,
            InvalidStatusTransition => ErrorCategory::Conflict,
            SchemaVersionMismatch => ErrorCategory::Unavailable,
            _ => ErrorCategory::InvalidRequest,
        }
    }

    /// A short Vietnamese explanation of the code, for user-facing output (Vietnamese first).
    pub fn summary_vi(self) -> &'static str {
        use ErrorCode::*;
        match self {
            EmptyInput => "Chưa nhập nội dung",
            InputTooLong => "Nội dung quá dài",
            UnknownKind => "Không nhận ra loại thông tin",
            InvalidPhone => "Số điện thoại không hợp lệ",
            InvalidBankAccount => "Số tài khoản ngân hàng không hợp lệ",
            UnknownBank => "Không nhận ra ngân hàng",
            InvalidCard => "Số thẻ không hợp lệ",
            InvalidEwallet => "Tài khoản ví điện tử không hợp lệ",
            UnknownEwalletProvider => "Không nhận ra ví điện tử",
            InvalidUrl => "Đường link không hợp lệ",
            InvalidDomain => "Tên miền không hợp lệ",
            InvalidEmail => "Địa chỉ email không hợp lệ",
            InvalidIp => "Địa chỉ IP không hợp lệ",
            InvalidSocial => "Tài khoản mạng xã hội không hợp lệ",
            UnknownSocialPlatform => "Không nhận ra mạng xã hội",
            InvalidCrypto => "Địa chỉ ví tiền mã hóa không hợp lệ",
            InvalidChecksum => "Mã kiểm tra (checksum) không khớp",
            InvalidVietqr => "Mã VietQR không hợp lệ",
            VietqrCrcMismatch => "Mã VietQR bị sai mã kiểm tra CRC",
            InvalidRequest => "Yêu cầu không hợp lệ",
            MissingField => "Thiếu thông tin bắt buộc",
            PayloadTooLarge => "Dữ liệu gửi lên quá lớn",
            MethodNotAllowed => "Phương thức không được hỗ trợ cho đường dẫn này",
            UnsupportedMediaType => "Định dạng dữ liệu không được hỗ trợ, hãy gửi JSON",
            Unauthenticated => "Cần khóa API hợp lệ",
            Forbidden => "Không có quyền thực hiện",
            NotFound => "Không tìm thấy",
            Conflict => "Xung đột dữ liệu",
            RateLimited => "Gửi quá nhiều yêu cầu, vui lòng thử lại sau",
            Unavailable => "Hệ thống tạm thời không sẵn sàng",
            Internal => "Lỗi hệ thống",
            UnknownField => "Có trường thông tin không được hỗ trợ",
            InvalidType => "Sai kiểu dữ liệu",
            InvalidValue => "Giá trị không hợp lệ",
            InvalidUtf8 => "Dữ liệu không phải văn bản UTF-8 hợp lệ",
            InvalidScamType => "Không nhận ra loại lừa đảo",
            UnknownProvince => "Không nhận ra tỉnh, thành phố",
            InvalidSmsReport => "Tin nhắn báo cáo không đúng cú pháp",
            InvalidCsv => "Tệp CSV không hợp lệ",
            InvalidIdempotencyKey => "Khóa chống gửi trùng (Idempotency-Key) không hợp lệ",
            UnsupportedFileType => "Loại tệp không được hỗ trợ",
            InvalidFile => "Tệp bị hỏng hoặc không đọc được",
            FileTooLarge => "Tệp quá lớn",
            TooManyFiles => "Quá nhiều tệp đính kèm",
            ApiKeyRevoked => "Khóa API đã bị thu hồi",
            IdempotencyKeyReused => "Khóa chống gửi trùng đã được dùng cho một yêu cầu khác",
            InvalidStatusTransition => "Không thể chuyển sang trạng thái này",
            SchemaVersionMismatch => "Phiên bản cơ sở dữ liệu không khớp với chương trình",
            InvalidRules => "Tệp quy tắc sàng lọc không hợp lệ",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The platform's error: a stable code, an English message, and the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), field: None }
    }

    /// Names the input field the error concerns (`"value"`, `"payee.account"`, ...).
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn category(&self) -> ErrorCategory {
        self.code.category()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.starts_with(|c: char| c.is_ascii_lowercase()), "{s}");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{s}");
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(s));
            assert!(!code.summary_vi().is_empty());
        }
    }
}
