//! Who may do what: organisations, roles and the one authorisation policy.
//!
//! Every partner request is made by a [`Principal`] (an API key or a user, which belongs to one
//! organisation and has one role). [`Principal::authorize`] is the only place that decides; handlers
//! name the [`Action`] they perform and never test roles themselves.

use crate::error::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kind of a partner organisation. Stable API values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Police,
    Bank,
    Ewallet,
    Telecom,
    Government,
    Communication,
    PlatformAdmin,
}

/// A role inside an organisation. Stable API values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Submits reports, listings and 5656 messages.
    Reporter,
    /// Reads reports (without reporters' personal data) and triages them.
    Analyst,
    /// Works cases; in a police organisation, reads reporters' personal data.
    Investigator,
    /// Everything, including reporters' personal data and keys.
    Admin,
}

macro_rules! string_enum {
    ($type:ident, $what:literal, $code:expr, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $type {
            pub const ALL: &'static [$type] = &[$($type::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($type::$variant => $text),+ }
            }
        }

        impl FromStr for $type {
            type Err = Error;

            fn from_str(text: &str) -> Result<Self, Error> {
                let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
                match wanted.as_str() {
                    $($text => Ok($type::$variant),)+
                    _ => {
                        let valid: Vec<&str> = $type::ALL.iter().map(|v| v.as_str()).collect();
                        Err(Error::new($code, format!("unknown {} '{}': expected one of {}", $what,
                            crate::text::shorten_for_message(text), valid.join(", "))))
                    }
                }
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(OrganisationKind, "organisation kind", ErrorCode::InvalidValue, {
    Police => "police",
    Bank => "bank",
    Ewallet => "ewallet",
    Telecom => "telecom",
    Government => "government",
    Communication => "communication",
    PlatformAdmin => "platform_admin",
});

string_enum!(Role, "role", ErrorCode::InvalidValue, {
    Reporter => "reporter",
    Analyst => "analyst",
    Investigator => "investigator",
    Admin => "admin",
});

/// What a partner request does. Each route names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Submit a report through the API on behalf of a citizen.
    SubmitReport,
    /// Turn 5656 messages from a telecom gateway into reports.
    SubmitSmsReports,
    /// List contacts found by the organisation (feeds the reputation index).
    SubmitListings,
    /// Read reports, without reporters' personal data.
    ReadReports,
    /// Read reporters' personal data.
    ReadReporterPersonalData,
    /// Move a report through its status lifecycle.
    ChangeReportStatus,
    /// Read appeals against listings and decide them.
    DecideAppeals,
    /// Check many contacts in one call (`POST /v1/check/batch`).
    CheckInBulk,
    /// Download the lists of listed contacts for offline use (`GET /v1/lists/{kind}`).
    DownloadLists,
    /// Screen transfers before they leave, post transfer feeds and outcomes (`/v1/screen/*`).
    ScreenTransfers,
    /// Read the freeze requests addressed to the organisation's bank.
    ReadFreezeRequests,
    /// Manage organisations and keys.
    Administer,
    /// Read the operators' metrics (`GET /metrics`): request counts and latencies, decisions, the audit backlog.
    ReadMetrics,
}

/// An authenticated caller: an API key or a user of a partner organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub organisation_id: String,
    pub organisation_kind: OrganisationKind,
    pub role: Role,
    /// Safe to log and to record in histories: an API key's prefix or a user name.
    pub label: String,
}

impl Principal {
    /// Whether this caller may perform `action`. The one authorisation policy of the platform.
    pub fn may(&self, action: Action) -> bool {
        use OrganisationKind::*;
        let kind = self.organisation_kind;
        let admin = self.role == Role::Admin;
        match action {
            Action::SubmitReport => true,
            Action::SubmitSmsReports => matches!(kind, Telecom | PlatformAdmin),
            Action::SubmitListings => matches!(kind, Police | Bank | Ewallet | Telecom | Government | PlatformAdmin),
            Action::ReadReports | Action::ChangeReportStatus | Action::DecideAppeals => {
                self.role >= Role::Analyst && matches!(kind, Police | Government | PlatformAdmin)
            }
            Action::ReadReporterPersonalData => {
                admin && matches!(kind, Police | PlatformAdmin) || (self.role == Role::Investigator && kind == Police)
            }
            Action::Administer => admin && kind == PlatformAdmin,
            // Any key of the platform's own organisation: a monitoring system needs no more than an analyst's.
            Action::ReadMetrics => kind == PlatformAdmin,
            // Money moves through banks and e-wallets: they screen it and receive the freeze requests.
            Action::ScreenTransfers | Action::ReadFreezeRequests => matches!(kind, Bank | Ewallet | PlatformAdmin),
            // Every partner: banks screen transfers, telecoms messages, communication units their readers' links.
            Action::CheckInBulk | Action::DownloadLists => true,
        }
    }

    /// [`Principal::may`] as a result with a clear error.
    pub fn authorize(&self, action: Action) -> Result<(), Error> {
        if self.may(action) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::Forbidden,
                format!(
                    "a {} key of a {} organisation may not {}",
                    self.role,
                    self.organisation_kind,
                    action.describe()
                ),
            ))
        }
    }
}

impl Action {
    fn describe(self) -> &'static str {
        match self {
            Action::SubmitReport => "submit reports",
            Action::SubmitSmsReports => "submit 5656 messages (telecom gateways only)",
            Action::SubmitListings => "list contacts",
            Action::ReadReports => "read reports",
            Action::ReadReporterPersonalData => "read reporters' personal data",
            Action::ChangeReportStatus => "change a report's status",
            Action::Administer => "administer the platform",
            Action::ReadMetrics => "read the platform's metrics (the platform's own organisation only)",
            Action::DecideAppeals => "decide appeals",
            Action::CheckInBulk => "check contacts in bulk",
            Action::DownloadLists => "download the lists",
            Action::ScreenTransfers => "screen transfers (banks and e-wallets only)",
            Action::ReadFreezeRequests => "read freeze requests (banks and e-wallets only)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(kind: OrganisationKind, role: Role) -> Principal {
        Principal { organisation_id: "o".into(), organisation_kind: kind, role, label: "cgk_test".into() }
    }

    #[test]
    fn only_police_investigators_and_admins_read_personal_data() {
        for kind in OrganisationKind::ALL {
            for role in Role::ALL {
                let allowed = principal(*kind, *role).may(Action::ReadReporterPersonalData);
                let expected = matches!(
                    (kind, role),
                    (OrganisationKind::Police, Role::Investigator | Role::Admin)
                        | (OrganisationKind::PlatformAdmin, Role::Admin)
                );
                assert_eq!(allowed, expected, "{kind} {role}");
            }
        }
    }

    #[test]
    fn banks_and_telecoms_cannot_read_reports() {
        for kind in [OrganisationKind::Bank, OrganisationKind::Telecom, OrganisationKind::Ewallet] {
            assert!(!principal(kind, Role::Admin).may(Action::ReadReports));
            assert!(principal(kind, Role::Reporter).may(Action::SubmitListings));
        }
        assert!(principal(OrganisationKind::Telecom, Role::Reporter).may(Action::SubmitSmsReports));
        assert!(!principal(OrganisationKind::Bank, Role::Admin).may(Action::SubmitSmsReports));
        let error = principal(OrganisationKind::Bank, Role::Reporter).authorize(Action::ReadReports).unwrap_err();
        assert_eq!(error.code, ErrorCode::Forbidden);
    }

    #[test]
    fn only_banks_and_wallets_screen_transfers() {
        for kind in OrganisationKind::ALL {
            let expected =
                matches!(kind, OrganisationKind::Bank | OrganisationKind::Ewallet | OrganisationKind::PlatformAdmin);
            for action in [Action::ScreenTransfers, Action::ReadFreezeRequests] {
                assert_eq!(principal(*kind, Role::Reporter).may(action), expected, "{kind} {action:?}");
            }
        }
    }

    #[test]
    fn names_parse_leniently_and_round_trip() {
        assert_eq!("Platform-Admin".parse::<OrganisationKind>().unwrap(), OrganisationKind::PlatformAdmin);
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
        }
        assert_eq!("boss".parse::<Role>().unwrap_err().code, ErrorCode::InvalidValue);
    }
}
