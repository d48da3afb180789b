//! Social network accounts: Facebook, Zalo, Telegram, TikTok, Instagram, YouTube and X.
//!
//! Canonical form: `<platform>:<id>`, e.g. `facebook:some.user`, `facebook:1000123`,
//! `facebook:groups/<id>`, `zalo:+84912345678`, `zalo:g/<code>`, `telegram:hotro_vcb`,
//! `telegram:+<invite>`, `tiktok:user`, `instagram:user`, `youtube:@handle`, `youtube:UC…`, `x:user`.
//! Usernames that the platform treats case-insensitively are lowercase; invite codes, group codes and
//! YouTube channel ids keep their case.

use super::phone::PhoneNumber;
use crate::error::{Error, ErrorCode, Result};
use crate::text;
use serde_json::{Map, Value};
use std::fmt;

/// Longest input looked at; profile links are far shorter.
const MAX_INPUT_CHARS: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SocialPlatform {
    Facebook,
    Zalo,
    Telegram,
    Tiktok,
    Instagram,
    Youtube,
    X,
}

impl SocialPlatform {
    pub const ALL: &'static [SocialPlatform] = &[
        SocialPlatform::Facebook,
        SocialPlatform::Zalo,
        SocialPlatform::Telegram,
        SocialPlatform::Tiktok,
        SocialPlatform::Instagram,
        SocialPlatform::Youtube,
        SocialPlatform::X,
    ];

    /// The stable API value, used as the canonical prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            SocialPlatform::Facebook => "facebook",
            SocialPlatform::Zalo => "zalo",
            SocialPlatform::Telegram => "telegram",
            SocialPlatform::Tiktok => "tiktok",
            SocialPlatform::Instagram => "instagram",
            SocialPlatform::Youtube => "youtube",
            SocialPlatform::X => "x",
        }
    }

    /// The brand name people know.
    pub fn display_name(self) -> &'static str {
        match self {
            SocialPlatform::Facebook => "Facebook",
            SocialPlatform::Zalo => "Zalo",
            SocialPlatform::Telegram => "Telegram",
            SocialPlatform::Tiktok => "TikTok",
            SocialPlatform::Instagram => "Instagram",
            SocialPlatform::Youtube => "YouTube",
            SocialPlatform::X => "X",
        }
    }

    /// The platform an explicit prefix names (`fb`, `tg`, `ig`, `yt`, `twitter`, ...), lowercase.
    fn from_prefix(prefix: &str) -> Option<Self> {
        Some(match prefix {
            "facebook" | "fb" => SocialPlatform::Facebook,
            "zalo" => SocialPlatform::Zalo,
            "telegram" | "tele" | "tg" => SocialPlatform::Telegram,
            "tiktok" => SocialPlatform::Tiktok,
            "instagram" | "ig" => SocialPlatform::Instagram,
            "youtube" | "yt" => SocialPlatform::Youtube,
            "x" | "twitter" => SocialPlatform::X,
            _ => return None,
        })
    }
}

impl fmt::Display for SocialPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account (or group, channel, invite link) on a social network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocialAccount {
    platform: SocialPlatform,
    /// `<platform>:<id>`; the id follows the first `:`.
    canonical: String,
}

impl SocialAccount {
    /// Accepts profile links (with or without `https://`, `www.`, `m.`, ...), `@handle` (Telegram),
    /// `tg://resolve?domain=…`, and explicit prefixes (`facebook:`, `fb:`, `zalo:`, `telegram:`,
    /// `tele:`, `tg:`, `tiktok:`, `instagram:`, `ig:`, `youtube:`, `yt:`, `x:`, `twitter:`).
    pub fn parse(input: &str) -> Result<Self> {
        let cleaned = text::clean_cow(input);
        if cleaned.is_empty() {
            return Err(invalid("the social account is empty"));
        }
        if cleaned.chars().nth(MAX_INPUT_CHARS).is_some() {
            return Err(invalid(format!("a social account link is at most {MAX_INPUT_CHARS} characters")));
        }
        if let Some(handle) = cleaned.strip_prefix('@') {
            // A bare @handle means Telegram, where Vietnamese scammers mostly use them.
            return telegram_id(handle);
        }
        if let Some(link) = strip_prefix_ignore_case(&cleaned, "tg://") {
            return telegram_deep_link(link);
        }
        if let Some(rest) = strip_scheme(&cleaned) {
            return from_url(rest);
        }
        if let Some((prefix, id)) = split_explicit_prefix(&cleaned) {
            let Some(platform) = SocialPlatform::from_prefix(&prefix) else {
                return Err(unknown(format!(
                    "`{}` is not a social network we know",
                    crate::text::shorten_for_message(&prefix)
                )));
            };
            return from_prefixed_id(platform, id.trim());
        }
        if host_part(&cleaned).contains('.') {
            return from_url(&cleaned);
        }
        Err(unknown(
            "say which network this account is on: a profile link, or a prefix such as facebook:, zalo:, telegram:",
        ))
    }

    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// An https link to the account that parses back to the same canonical form.
    pub fn display(&self) -> String {
        let id = self.id();
        match self.platform {
            SocialPlatform::Facebook if is_all_digits(id) => {
                format!("https://www.facebook.com/profile.php?id={id}")
            }
            SocialPlatform::Facebook => format!("https://facebook.com/{id}"),
            SocialPlatform::Zalo => match self.phone() {
                Some(e164) => match e164.strip_prefix("+84") {
                    Some(national) => format!("https://zalo.me/0{national}"),
                    None => format!("https://zalo.me/{e164}"),
                },
                None => format!("https://zalo.me/{id}"),
            },
            SocialPlatform::Telegram => format!("https://t.me/{id}"),
            SocialPlatform::Tiktok => format!("https://www.tiktok.com/@{id}"),
            SocialPlatform::Instagram => format!("https://www.instagram.com/{id}"),
            SocialPlatform::Youtube if is_youtube_channel_id(id) => {
                format!("https://www.youtube.com/channel/{id}")
            }
            SocialPlatform::Youtube => format!("https://www.youtube.com/{id}"),
            SocialPlatform::X => format!("https://x.com/{id}"),
        }
    }

    pub fn platform(&self) -> SocialPlatform {
        self.platform
    }

    /// The platform-specific id: `some.user`, `1000123`, `groups/123`, `+84912345678`, `g/AbC`,
    /// `hotro_vcb`, `+AbC`, `@handle`, `UC…`.
    pub fn id(&self) -> &str {
        self.canonical.get(self.platform.as_str().len() + 1..).unwrap_or_default()
    }

    /// The E.164 number of an account known by its phone number (Zalo, Telegram `t.me/+84…`).
    pub fn phone(&self) -> Option<&str> {
        let id = self.id();
        let is_phone = matches!(self.platform, SocialPlatform::Zalo | SocialPlatform::Telegram)
            && id.len() > 1
            && id.starts_with('+')
            && is_all_digits(&id[1..]);
        is_phone.then_some(id)
    }

    /// `username`, `numeric_id`, `group`, `phone`, `official_account`, `invite`, `handle`, `channel`
    /// or `legacy_name`.
    pub fn id_type(&self) -> &'static str {
        let id = self.id();
        if self.phone().is_some() {
            return "phone";
        }
        match self.platform {
            SocialPlatform::Facebook if is_all_digits(id) => "numeric_id",
            SocialPlatform::Facebook if id.starts_with("groups/") => "group",
            SocialPlatform::Zalo if id.starts_with("g/") => "group",
            SocialPlatform::Zalo => "official_account",
            SocialPlatform::Telegram if id.starts_with('+') => "invite",
            SocialPlatform::Youtube if id.starts_with('@') => "handle",
            SocialPlatform::Youtube if is_youtube_channel_id(id) => "channel",
            SocialPlatform::Youtube => "legacy_name",
            _ => "username",
        }
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        map.insert("platform".into(), Value::from(self.platform.as_str()));
        map.insert("platform_name".into(), Value::from(self.platform.display_name()));
        map.insert("id".into(), Value::from(self.id()));
        map.insert("id_type".into(), Value::from(self.id_type()));
        map.insert("url".into(), Value::from(self.display()));
        if let Some(phone) = self.phone() {
            map.insert("phone".into(), Value::from(phone));
        }
    }

    fn new(platform: SocialPlatform, id: &str) -> Self {
        SocialAccount { platform, canonical: format!("{}:{id}", platform.as_str()) }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidSocial, message)
}

fn unknown(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::UnknownSocialPlatform, message)
}

fn not_an_account(platform: SocialPlatform, what: &str) -> Error {
    invalid(format!(
        "this {} link ({}) is not an account page; copy the link of the profile itself",
        platform.display_name(),
        crate::text::shorten_for_message(what)
    ))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.get(..prefix.len()).filter(|head| head.eq_ignore_ascii_case(prefix)).map(|_| &text[prefix.len()..])
}

fn strip_scheme(text: &str) -> Option<&str> {
    ["https://", "http://", "//"].iter().find_map(|scheme| strip_prefix_ignore_case(text, scheme))
}

/// `name:id` or `name id` where `name` is letters only (`zalo:0912…`, `Zalo 0912…`), lowercase.
fn split_explicit_prefix(text: &str) -> Option<(String, &str)> {
    if let Some((name, rest)) = text.split_once(':')
        && !name.trim().is_empty()
        && name.trim().chars().all(|c| c.is_ascii_alphabetic())
    {
        return Some((name.trim().to_ascii_lowercase(), rest));
    }
    // `Zalo 0912345678`: only a known name counts, so free text is not taken for a prefix.
    let (name, rest) = text.split_once(char::is_whitespace)?;
    let name = name.to_ascii_lowercase();
    SocialPlatform::from_prefix(&name).map(|_| (name, rest))
}

/// The part of a scheme-less link before its path, query or fragment.
fn host_part(text: &str) -> &str {
    text.split(['/', '?', '#']).next().unwrap_or_default()
}

fn is_all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// How a host relates to a platform.
enum Host {
    Platform(SocialPlatform),
    /// Messenger's `m.me/<username>` names the Facebook account.
    Messenger,
    /// Short share links (`vt.tiktok.com/…`, `youtu.be/…`) that hide the account.
    ShortLink(SocialPlatform),
    /// Another subdomain of a platform's domain (`business.facebook.com`).
    OtherSubdomain(SocialPlatform),
}

const PLATFORM_HOSTS: &[(&str, SocialPlatform)] = &[
    ("facebook.com", SocialPlatform::Facebook),
    ("fb.com", SocialPlatform::Facebook),
    ("fb.me", SocialPlatform::Facebook),
    ("zalo.me", SocialPlatform::Zalo),
    ("t.me", SocialPlatform::Telegram),
    ("telegram.me", SocialPlatform::Telegram),
    ("telegram.dog", SocialPlatform::Telegram),
    ("tiktok.com", SocialPlatform::Tiktok),
    ("instagram.com", SocialPlatform::Instagram),
    ("instagr.am", SocialPlatform::Instagram),
    ("youtube.com", SocialPlatform::Youtube),
    ("x.com", SocialPlatform::X),
    ("twitter.com", SocialPlatform::X),
];

const SHORT_LINK_HOSTS: &[(&str, SocialPlatform)] = &[
    ("vt.tiktok.com", SocialPlatform::Tiktok),
    ("vm.tiktok.com", SocialPlatform::Tiktok),
    ("youtu.be", SocialPlatform::Youtube),
    ("fb.watch", SocialPlatform::Facebook),
];

/// Subdomains that serve the same profile pages as the bare domain.
const PROFILE_SUBDOMAINS: &[&str] = &["www.", "m.", "mbasic.", "web.", "mobile.", "touch.", "vi-vn.", "en-gb."];

fn classify_host(host: &str) -> Option<Host> {
    let exact = |host: &str| PLATFORM_HOSTS.iter().find(|(h, _)| *h == host).map(|&(_, p)| p);
    if host == "m.me" {
        return Some(Host::Messenger);
    }
    if let Some(&(_, platform)) = SHORT_LINK_HOSTS.iter().find(|(h, _)| *h == host) {
        return Some(Host::ShortLink(platform));
    }
    if let Some(platform) = exact(host) {
        return Some(Host::Platform(platform));
    }
    for subdomain in PROFILE_SUBDOMAINS {
        if let Some(platform) = host.strip_prefix(subdomain).and_then(exact) {
            return Some(Host::Platform(platform));
        }
    }
    PLATFORM_HOSTS
        .iter()
        .find(|(domain, _)| host.strip_suffix(domain).is_some_and(|sub| sub.ends_with('.')))
        .map(|&(_, platform)| Host::OtherSubdomain(platform))
}

/// A parsed link: lowercase host, decoded path segments, raw query.
struct Link<'a> {
    segments: Vec<String>,
    query: &'a str,
    /// The link as given, for error messages.
    original: &'a str,
}

impl Link<'_> {
    fn segment(&self, index: usize) -> Option<&str> {
        self.segments.get(index).map(String::as_str)
    }

    fn first_lower(&self) -> String {
        self.segment(0).unwrap_or_default().to_ascii_lowercase()
    }

    fn query_param(&self, name: &str) -> Option<&str> {
        self.query.split('&').filter_map(|pair| pair.split_once('=')).find(|(key, _)| *key == name).map(|(_, v)| v)
    }
}

/// `rest` is a link without its scheme: `host[:port][/path][?query][#fragment]`.
fn from_url(rest: &str) -> Result<SocialAccount> {
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    // `facebook.com@evil.example` is a link to evil.example: the host follows any userinfo.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if is_all_digits(port) => host,
        _ => host_port,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    // Most hosts are no social network: refused before the path is read.
    let Some(kind) = classify_host(&host) else {
        return Err(unknown(format!("`{}` is not a social network we know", crate::text::shorten_for_message(&host))));
    };
    let after_host = &rest[authority_end..];
    let (before_fragment, _) = after_host.split_once('#').unwrap_or((after_host, ""));
    let (path, query) = before_fragment.split_once('?').unwrap_or((before_fragment, ""));
    let link = Link {
        segments: path.split('/').filter(|s| !s.is_empty()).map(percent_decode_ascii).collect(),
        query,
        original: rest,
    };
    match kind {
        Host::Platform(platform) => match platform {
            SocialPlatform::Facebook => facebook_link(&link),
            SocialPlatform::Zalo => zalo_link(&link),
            SocialPlatform::Telegram => telegram_link(&link),
            SocialPlatform::Tiktok => tiktok_link(&link),
            SocialPlatform::Instagram => instagram_link(&link),
            SocialPlatform::Youtube => youtube_link(&link),
            SocialPlatform::X => x_link(&link),
        },
        Host::Messenger => match link.first_lower().as_str() {
            "" | "j" | "t" | "ig" => Err(not_an_account(SocialPlatform::Facebook, link.original)),
            _ => facebook_id(link.segment(0).unwrap_or_default()),
        },
        Host::ShortLink(platform) => Err(invalid(format!(
            "this {} short link hides the account; open it and copy the profile link",
            platform.display_name()
        ))),
        Host::OtherSubdomain(platform) => Err(not_an_account(platform, link.original)),
    }
}

/// Decodes `%XX` escapes that stand for printable ASCII other than `/` (`%40` → `@`, `%2B` → `+`);
/// other bytes are kept as written.
fn percent_decode_ascii(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(value) = u8::from_str_radix(hex, 16)
            && value.is_ascii_graphic()
            && value != b'/'
        {
            out.push(value);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    // Only ASCII escapes were replaced by ASCII bytes, so this is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| segment.to_string())
}

/// An id given after an explicit prefix: the platform's usual id forms, or a full link.
fn from_prefixed_id(platform: SocialPlatform, id: &str) -> Result<SocialAccount> {
    if id.is_empty() {
        return Err(invalid(format!("there is no {} account after the prefix", platform.display_name())));
    }
    let link = strip_scheme(id).or_else(|| (id.contains('/') && host_part(id).contains('.')).then_some(id));
    if let Some(link) = link {
        let account = from_url(link)?;
        if account.platform != platform {
            return Err(invalid(format!(
                "the prefix says {} but the link is a {} one",
                platform.display_name(),
                account.platform.display_name()
            )));
        }
        return Ok(account);
    }
    match platform {
        SocialPlatform::Facebook => match strip_prefix_ignore_case(id, "groups/") {
            Some(group) => facebook_group(group),
            None => facebook_id(id.strip_prefix('@').unwrap_or(id)),
        },
        SocialPlatform::Zalo => match strip_prefix_ignore_case(id, "g/") {
            Some(code) => zalo_group(code),
            None => zalo_number(id),
        },
        SocialPlatform::Telegram => match strip_prefix_ignore_case(id, "joinchat/") {
            Some(code) => telegram_invite(code),
            None => telegram_id(id.strip_prefix('@').unwrap_or(id)),
        },
        SocialPlatform::Tiktok => tiktok_username(id.strip_prefix('@').unwrap_or(id)),
        SocialPlatform::Instagram => instagram_username(id.strip_prefix('@').unwrap_or(id)),
        SocialPlatform::Youtube => youtube_id(id),
        SocialPlatform::X => x_username(id.strip_prefix('@').unwrap_or(id)),
    }
}

// ---- Facebook ----

/// First path segments of facebook.com that are not accounts.
#[rustfmt::skip]
const FACEBOOK_RESERVED: &[&str] = &[
    "login", "logout", "watch", "share", "sharer", "photo", "photos", "video", "videos", "reel", "reels", "stories",
    "story", "events", "marketplace", "help", "settings", "messages", "notifications", "privacy", "policies",
    "legal", "terms", "hashtag", "search", "gaming", "dialog", "plugins", "tr", "ads", "business", "about",
    "recover", "checkpoint", "friends", "bookmarks", "saved", "live", "media", "fundraisers", "jobs", "places",
    "memories", "games", "notes", "public", "directory", "signup", "reg", "campaign", "lite", "mobile", "careers",
    "composer", "ajax", "api", "graph", "home", "me", "l", "permalink", "posts", "feeds", "watchparty",
    "live_video", "donate", "profile", "pages", "p", "pg", "people", "groups", "page", "developers", "security",
    "help_center", "t",
];

fn facebook_link(link: &Link<'_>) -> Result<SocialAccount> {
    let first = link.first_lower();
    match first.as_str() {
        "" => Err(not_an_account(SocialPlatform::Facebook, link.original)),
        "profile.php" => match link.query_param("id") {
            Some(id) if is_all_digits(id) => facebook_id(id),
            _ => Err(invalid("a facebook.com/profile.php link needs a numeric ?id=")),
        },
        // facebook.com/people/Some-Name/1000123/
        "people" => match link.segment(2) {
            Some(id) if is_all_digits(id) => facebook_id(id),
            _ => Err(invalid("a facebook.com/people/ link ends with the numeric account id")),
        },
        // facebook.com/pages/Some-Name/1000123 (older page links)
        "pages" => match link.segment(2) {
            Some(id) if is_all_digits(id) => facebook_id(id),
            _ => Err(not_an_account(SocialPlatform::Facebook, link.original)),
        },
        // facebook.com/p/Some-Name-100064123456/ (newer page links end with the id)
        "p" => match link.segment(1).and_then(|s| s.rsplit('-').next()) {
            Some(id) if is_all_digits(id) => facebook_id(id),
            _ => Err(not_an_account(SocialPlatform::Facebook, link.original)),
        },
        "pg" => facebook_id(link.segment(1).unwrap_or_default()),
        "groups" => facebook_group(link.segment(1).unwrap_or_default()),
        reserved if FACEBOOK_RESERVED.contains(&reserved) || reserved.ends_with(".php") => {
            Err(not_an_account(SocialPlatform::Facebook, link.original))
        }
        _ => facebook_id(link.segment(0).unwrap_or_default()),
    }
}

/// A numeric id or a username (letters, digits and dots; case-insensitive, so lowercase).
fn facebook_id(id: &str) -> Result<SocialAccount> {
    if is_all_digits(id) && id.len() <= 25 {
        return Ok(SocialAccount::new(SocialPlatform::Facebook, id));
    }
    let username = id.to_ascii_lowercase();
    let valid = (2..=50).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.')
        && username.bytes().any(|b| b.is_ascii_lowercase())
        && !username.ends_with(".php");
    if !valid || FACEBOOK_RESERVED.contains(&username.as_str()) {
        return Err(invalid(format!(
            "`{}` is not a Facebook username (letters, digits and dots) or numeric id",
            crate::text::shorten_for_message(id)
        )));
    }
    Ok(SocialAccount::new(SocialPlatform::Facebook, &username))
}

fn facebook_group(group: &str) -> Result<SocialAccount> {
    let group = group.to_ascii_lowercase();
    let valid = (1..=100).contains(&group.len())
        && group.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
        && group.bytes().any(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(invalid(format!(
            "`{}` is not a Facebook group id or name",
            crate::text::shorten_for_message(&group)
        )));
    }
    Ok(SocialAccount::new(SocialPlatform::Facebook, &format!("groups/{group}")))
}

// ---- Zalo ----

fn zalo_link(link: &Link<'_>) -> Result<SocialAccount> {
    match link.segment(0) {
        Some("g") => zalo_group(link.segment(1).unwrap_or_default()),
        Some(first) if first.starts_with('+') || is_all_digits(first) => zalo_number(first),
        _ => Err(not_an_account(SocialPlatform::Zalo, link.original)),
    }
}

/// A phone number (the usual Zalo id) or the numeric id of an Official Account.
fn zalo_number(id: &str) -> Result<SocialAccount> {
    match PhoneNumber::parse(id) {
        Ok(phone) if phone.canonical().starts_with('+') => {
            return Ok(SocialAccount::new(SocialPlatform::Zalo, phone.canonical()));
        }
        Err(error) if id.starts_with('0') || id.starts_with('+') => {
            return Err(invalid(format!(
                "`{}` is not a valid phone number: {}",
                crate::text::shorten_for_message(id),
                error.message
            )));
        }
        _ => {}
    }
    // Official Account ids are long numbers that no phone number parse explains.
    if is_all_digits(id) && !id.starts_with('0') && (6..=25).contains(&id.len()) {
        return Ok(SocialAccount::new(SocialPlatform::Zalo, id));
    }
    Err(invalid(format!(
        "`{}` is neither a phone number nor a Zalo Official Account id",
        crate::text::shorten_for_message(id)
    )))
}

fn zalo_group(code: &str) -> Result<SocialAccount> {
    if !is_link_code(code) {
        return Err(invalid(format!("`{}` is not a Zalo group link code", crate::text::shorten_for_message(code))));
    }
    Ok(SocialAccount::new(SocialPlatform::Zalo, &format!("g/{code}")))
}

/// Invite and group codes: letters, digits, `_` and `-`, case kept.
fn is_link_code(code: &str) -> bool {
    (1..=64).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

// ---- Telegram ----

#[rustfmt::skip]
const TELEGRAM_RESERVED: &[&str] = &[
    "share", "addstickers", "addemoji", "addtheme", "addlist", "proxy", "socks", "setlanguage", "iv", "login",
    "confirmphone", "bg", "invoice", "c", "boost", "contact", "giftcode", "m", "k", "a", "z",
];

fn telegram_link(link: &Link<'_>) -> Result<SocialAccount> {
    let first = link.first_lower();
    match first.as_str() {
        "joinchat" => telegram_invite(link.segment(1).unwrap_or_default()),
        // t.me/s/<channel> is the web preview of a public channel.
        "s" => telegram_username(link.segment(1).unwrap_or_default()),
        reserved if reserved.is_empty() || TELEGRAM_RESERVED.contains(&reserved) => {
            Err(not_an_account(SocialPlatform::Telegram, link.original))
        }
        _ => telegram_id(link.segment(0).unwrap_or_default()),
    }
}

/// `+<invite code>`, `+<phone number>` or a username.
fn telegram_id(id: &str) -> Result<SocialAccount> {
    match id.strip_prefix('+') {
        Some(code) => telegram_invite(code),
        None => telegram_username(id),
    }
}

/// `t.me/+<code>` is an invite link; `t.me/+84912345678` opens the account with that phone number.
fn telegram_invite(code: &str) -> Result<SocialAccount> {
    if is_all_digits(code) {
        let phone = PhoneNumber::parse(&format!("+{code}")).map_err(|e| {
            invalid(format!("`+{}` is not a valid phone number: {}", crate::text::shorten_for_message(code), e.message))
        })?;
        return Ok(SocialAccount::new(SocialPlatform::Telegram, phone.canonical()));
    }
    if !is_link_code(code) {
        return Err(invalid(format!("`{}` is not a Telegram invite code", crate::text::shorten_for_message(code))));
    }
    Ok(SocialAccount::new(SocialPlatform::Telegram, &format!("+{code}")))
}

/// 5-32 characters `[a-z0-9_]` starting with a letter; case-insensitive, so lowercase.
fn telegram_username(name: &str) -> Result<SocialAccount> {
    let username = name.to_ascii_lowercase();
    let valid = (5..=32).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && username.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    if !valid || TELEGRAM_RESERVED.contains(&username.as_str()) || username == "joinchat" {
        return Err(invalid(format!(
            "`{}` is not a Telegram username (5-32 letters, digits and _, starting with a letter)",
            crate::text::shorten_for_message(name)
        )));
    }
    Ok(SocialAccount::new(SocialPlatform::Telegram, &username))
}

/// `tg://resolve?domain=<username>`, `tg://join?invite=<code>`.
fn telegram_deep_link(link: &str) -> Result<SocialAccount> {
    let (action, query) = link.split_once('?').unwrap_or((link, ""));
    let param =
        |name: &str| query.split('&').filter_map(|p| p.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v);
    match (action.trim_end_matches('/').to_ascii_lowercase().as_str(), param("domain"), param("invite")) {
        ("resolve", Some(domain), _) => telegram_username(domain),
        ("join", _, Some(invite)) => telegram_invite(invite),
        _ => Err(not_an_account(SocialPlatform::Telegram, link)),
    }
}

// ---- TikTok, Instagram, X ----

fn tiktok_link(link: &Link<'_>) -> Result<SocialAccount> {
    match link.segment(0).and_then(|s| s.strip_prefix('@')) {
        Some(username) => tiktok_username(username),
        None => Err(not_an_account(SocialPlatform::Tiktok, link.original)),
    }
}

fn tiktok_username(name: &str) -> Result<SocialAccount> {
    simple_username(SocialPlatform::Tiktok, name, 2..=24, b"_.")
}

#[rustfmt::skip]
const INSTAGRAM_RESERVED: &[&str] = &[
    "p", "reel", "reels", "tv", "explore", "accounts", "direct", "about", "developer", "legal", "web", "challenge",
    "graphql", "api", "emails", "session", "login", "privacy", "terms", "share", "s", "ar", "stories", "static",
    "oauth", "download", "directory", "lite", "help", "press",
];

fn instagram_link(link: &Link<'_>) -> Result<SocialAccount> {
    let first = link.first_lower();
    match first.as_str() {
        // instagram.com/stories/<user>/<id>
        "stories" if link.segment(1).is_some_and(|s| s != "highlights") => {
            instagram_username(link.segment(1).unwrap_or_default())
        }
        reserved if reserved.is_empty() || INSTAGRAM_RESERVED.contains(&reserved) => {
            Err(not_an_account(SocialPlatform::Instagram, link.original))
        }
        _ => instagram_username(link.segment(0).unwrap_or_default()),
    }
}

fn instagram_username(name: &str) -> Result<SocialAccount> {
    if INSTAGRAM_RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(invalid(format!("`{}` is not an Instagram username", crate::text::shorten_for_message(name))));
    }
    simple_username(SocialPlatform::Instagram, name, 1..=30, b"_.")
}

#[rustfmt::skip]
const X_RESERVED: &[&str] = &[
    "home", "intent", "share", "search", "explore", "notifications", "messages", "i", "settings", "login", "logout",
    "signup", "compose", "hashtag", "tos", "privacy", "about", "download", "account", "jobs", "following",
    "followers", "lists", "communities", "premium", "verified", "sw.js", "privacy_policy",
];

fn x_link(link: &Link<'_>) -> Result<SocialAccount> {
    let first = link.first_lower();
    if first.is_empty() || X_RESERVED.contains(&first.as_str()) {
        return Err(not_an_account(SocialPlatform::X, link.original));
    }
    x_username(link.segment(0).unwrap_or_default())
}

fn x_username(name: &str) -> Result<SocialAccount> {
    if X_RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(invalid(format!("`{}` is not an X username", crate::text::shorten_for_message(name))));
    }
    simple_username(SocialPlatform::X, name, 1..=15, b"_")
}

/// A case-insensitive username of ASCII letters, digits and `extra` characters, kept lowercase.
fn simple_username(
    platform: SocialPlatform,
    name: &str,
    length: std::ops::RangeInclusive<usize>,
    extra: &[u8],
) -> Result<SocialAccount> {
    let username = name.to_ascii_lowercase();
    let valid = length.contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || extra.contains(&b))
        && username.bytes().any(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(invalid(format!(
            "`{}` is not a {} username ({}-{} letters, digits{})",
            crate::text::shorten_for_message(name),
            platform.display_name(),
            length.start(),
            length.end(),
            if extra.contains(&b'.') { ", _ and ." } else { " and _" }
        )));
    }
    Ok(SocialAccount::new(platform, &username))
}

// ---- YouTube ----

#[rustfmt::skip]
const YOUTUBE_RESERVED: &[&str] = &[
    "watch", "shorts", "playlist", "results", "feed", "embed", "live", "redirect", "post", "hashtag", "premium",
    "gaming", "account", "signin", "logout", "about", "t", "howyoutubeworks", "kids", "music", "attribution_link",
    "channel", "c", "user", "v", "source", "supported_browsers",
];

fn youtube_link(link: &Link<'_>) -> Result<SocialAccount> {
    let first = link.first_lower();
    let second = link.segment(1).unwrap_or_default();
    match first.as_str() {
        handle if handle.starts_with('@') => youtube_handle(&handle[1..]),
        "channel" if is_youtube_channel_id(second) => Ok(SocialAccount::new(SocialPlatform::Youtube, second)),
        "channel" => {
            Err(invalid(format!("`{}` is not a YouTube channel id (UC…)", crate::text::shorten_for_message(second))))
        }
        "c" | "user" => youtube_legacy(&first, second),
        _ => Err(not_an_account(SocialPlatform::Youtube, link.original)),
    }
}

/// `@handle`, `UC…` channel id, `c/<name>`, `user/<name>`, or a handle without its `@`.
fn youtube_id(id: &str) -> Result<SocialAccount> {
    if let Some(handle) = id.strip_prefix('@') {
        return youtube_handle(handle);
    }
    if is_youtube_channel_id(id) {
        return Ok(SocialAccount::new(SocialPlatform::Youtube, id));
    }
    if let Some(rest) = strip_prefix_ignore_case(id, "channel/") {
        return if is_youtube_channel_id(rest) {
            Ok(SocialAccount::new(SocialPlatform::Youtube, rest))
        } else {
            Err(invalid(format!("`{}` is not a YouTube channel id (UC…)", crate::text::shorten_for_message(rest))))
        };
    }
    for kind in ["c", "user"] {
        if let Some(name) = id.get(..kind.len() + 1).filter(|p| p.eq_ignore_ascii_case(&format!("{kind}/"))) {
            return youtube_legacy(kind, &id[name.len()..]);
        }
    }
    if YOUTUBE_RESERVED.contains(&id.to_ascii_lowercase().as_str()) {
        return Err(invalid(format!("`{}` is a YouTube page, not a channel", crate::text::shorten_for_message(id))));
    }
    youtube_handle(id)
}

/// Channel ids are `UC` followed by 22 base64url characters; case matters.
fn is_youtube_channel_id(id: &str) -> bool {
    id.len() == 24 && id.starts_with("UC") && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

/// Handles are 3-30 characters `[a-z0-9_.-]`, case-insensitive; canonical as `@handle`.
fn youtube_handle(handle: &str) -> Result<SocialAccount> {
    let handle = handle.to_ascii_lowercase();
    let valid = (3..=30).contains(&handle.len())
        && handle.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'))
        && handle.bytes().any(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(invalid(format!(
            "`@{}` is not a YouTube handle (3-30 letters, digits, _, . and -)",
            crate::text::shorten_for_message(&handle)
        )));
    }
    Ok(SocialAccount::new(SocialPlatform::Youtube, &format!("@{handle}")))
}

/// The pre-handle custom URLs `youtube.com/c/<name>` and `youtube.com/user/<name>`.
fn youtube_legacy(kind: &str, name: &str) -> Result<SocialAccount> {
    let name = name.to_ascii_lowercase();
    let valid = (1..=100).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'))
        && name.bytes().any(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(invalid(format!("`{}` is not a YouTube channel name", crate::text::shorten_for_message(&name))));
    }
    Ok(SocialAccount::new(SocialPlatform::Youtube, &format!("{kind}/{name}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(input: &str) -> String {
        SocialAccount::parse(input).unwrap_or_else(|e| panic!("{input}: {e:?}")).canonical().to_string()
    }

    fn code(input: &str) -> ErrorCode {
        SocialAccount::parse(input).expect_err(input).code
    }

    fn roundtrip(account: &SocialAccount) {
        let from_canonical =
            SocialAccount::parse(account.canonical()).unwrap_or_else(|e| panic!("{}: {e}", account.canonical()));
        assert_eq!(&from_canonical, account, "canonical {}", account.canonical());
        let from_display =
            SocialAccount::parse(&account.display()).unwrap_or_else(|e| panic!("{}: {e}", account.display()));
        assert_eq!(&from_display, account, "display {}", account.display());
    }

    fn check(cases: &[(&str, &str)]) {
        for &(input, want) in cases {
            assert_eq!(canonical(input), want, "{input}");
            roundtrip(&SocialAccount::parse(input).unwrap());
        }
    }

    #[test]
    fn facebook() {
        check(&[
            ("facebook.com/profile.php?id=1000123", "facebook:1000123"),
            ("https://www.facebook.com/profile.php?id=1000123&sk=about", "facebook:1000123"),
            ("https://m.facebook.com/profile.php?id=1000123#top", "facebook:1000123"),
            ("facebook.com/people/Some-Name/1000123/", "facebook:1000123"),
            ("facebook.com/some.user", "facebook:some.user"),
            ("fb.com/some.user", "facebook:some.user"),
            ("https://www.facebook.com/Some.User/", "facebook:some.user"),
            ("http://mbasic.facebook.com/some.user?ref=bookmarks", "facebook:some.user"),
            ("web.facebook.com/some.user/posts/123", "facebook:some.user"),
            ("mobile.facebook.com/some.user", "facebook:some.user"),
            ("facebook.com/groups/123456789/", "facebook:groups/123456789"),
            ("facebook.com/groups/TuyenCTV.Online/permalink/1/", "facebook:groups/tuyenctv.online"),
            ("facebook.com/p/Shop-Quan-Ao-100064123456789/", "facebook:100064123456789"),
            ("facebook.com/100012345678901", "facebook:100012345678901"),
            ("m.me/some.user", "facebook:some.user"),
            ("facebook:some.user", "facebook:some.user"),
            ("fb:Some.User", "facebook:some.user"),
            ("FB: 1000123", "facebook:1000123"),
            ("facebook:groups/123", "facebook:groups/123"),
            ("Facebook some.user", "facebook:some.user"),
            ("facebook: https://www.facebook.com/some.user", "facebook:some.user"),
            ("facebook.com:443/some.user", "facebook:some.user"),
        ]);
        let account = SocialAccount::parse("facebook.com/some.user").unwrap();
        assert_eq!(account.display(), "https://facebook.com/some.user");
        assert_eq!(account.platform(), SocialPlatform::Facebook);
        assert_eq!(account.id(), "some.user");
        let numeric = SocialAccount::parse("facebook.com/profile.php?id=1000123").unwrap();
        assert_eq!(numeric.display(), "https://www.facebook.com/profile.php?id=1000123");
        assert_eq!(numeric.id_type(), "numeric_id");
    }

    #[test]
    fn facebook_non_accounts() {
        for input in [
            "facebook.com/login",
            "https://www.facebook.com/watch?v=123",
            "facebook.com/share/p/AbC123/",
            "facebook.com/sharer.php?u=x",
            "facebook.com/sharer/sharer.php?u=x",
            "facebook.com/photo.php?fbid=1",
            "facebook.com/story.php?story_fbid=1&id=2",
            "facebook.com/permalink.php?story_fbid=1",
            "facebook.com/marketplace/item/1",
            "facebook.com/",
            "facebook.com",
            "facebook.com/profile.php",
            "facebook.com/profile.php?id=abc",
            "facebook.com/people/Some-Name/",
            "business.facebook.com/some.user",
            "fb.watch/abc",
            "facebook:some user",
            "facebook:",
            "fb:login",
            "facebook: https://t.me/hotro_vcb",
        ] {
            assert_eq!(code(input), ErrorCode::InvalidSocial, "{input}");
        }
    }

    #[test]
    fn zalo() {
        check(&[
            ("zalo.me/0912345678", "zalo:+84912345678"),
            ("https://zalo.me/0912345678", "zalo:+84912345678"),
            ("zalo:0912345678", "zalo:+84912345678"),
            ("Zalo: 0912 345 678", "zalo:+84912345678"),
            ("Zalo 0912345678", "zalo:+84912345678"),
            ("zalo:+84912345678", "zalo:+84912345678"),
            ("zalo.me/84912345678", "zalo:+84912345678"),
            ("zalo.me/g/AbCdEf123", "zalo:g/AbCdEf123"),
            ("zalo:g/AbCdEf123", "zalo:g/AbCdEf123"),
            ("zalo.me/4318296459285648941", "zalo:4318296459285648941"),
            ("zalo:+14155552671", "zalo:+14155552671"),
        ]);
        let account = SocialAccount::parse("zalo.me/0912345678").unwrap();
        assert_eq!(account.display(), "https://zalo.me/0912345678");
        assert_eq!(account.phone(), Some("+84912345678"));
        let mut map = Map::new();
        account.details(&mut map);
        assert_eq!(map["phone"], "+84912345678");
        assert_eq!(map["url"], "https://zalo.me/0912345678");
        assert_eq!(map["id_type"], "phone");
        let oa = SocialAccount::parse("zalo.me/4318296459285648941").unwrap();
        assert_eq!(oa.phone(), None);
        assert_eq!(oa.id_type(), "official_account");
        for input in ["zalo.me/pc", "zalo.me/s/123", "zalo.me/", "zalo:0912", "zalo:abc", "zalo.me/g/", "zalo:g/a b"] {
            assert_eq!(code(input), ErrorCode::InvalidSocial, "{input}");
        }
    }

    #[test]
    fn telegram() {
        check(&[
            ("t.me/hotro_vcb", "telegram:hotro_vcb"),
            ("https://t.me/HoTro_VCB", "telegram:hotro_vcb"),
            ("telegram.me/hotro_vcb", "telegram:hotro_vcb"),
            ("telegram.dog/hotro_vcb", "telegram:hotro_vcb"),
            ("@hotro_vcb", "telegram:hotro_vcb"),
            ("@HoTro_VCB", "telegram:hotro_vcb"),
            ("t.me/s/hotro_vcb", "telegram:hotro_vcb"),
            ("t.me/hotro_vcb/123", "telegram:hotro_vcb"),
            ("t.me/+AbCdEf_12-3", "telegram:+AbCdEf_12-3"),
            ("t.me/%2BAbCdEf", "telegram:+AbCdEf"),
            ("t.me/joinchat/AbCdEf", "telegram:+AbCdEf"),
            ("telegram:hotro_vcb", "telegram:hotro_vcb"),
            ("tele:@hotro_vcb", "telegram:hotro_vcb"),
            ("tg:hotro_vcb", "telegram:hotro_vcb"),
            ("tg://resolve?domain=hotro_vcb", "telegram:hotro_vcb"),
            ("tg://join?invite=AbCdEf", "telegram:+AbCdEf"),
            ("t.me/+84912345678", "telegram:+84912345678"),
        ]);
        let account = SocialAccount::parse("@hotro_vcb").unwrap();
        assert_eq!(account.display(), "https://t.me/hotro_vcb");
        let invite = SocialAccount::parse("t.me/+AbC").unwrap();
        assert_eq!(invite.canonical(), "telegram:+AbC");
        assert_eq!(invite.id_type(), "invite");
        assert_eq!(invite.phone(), None);
        for input in [
            "t.me/share/url?url=x",
            "t.me/addstickers/abc",
            "t.me/",
            "@abc",
            "@1abcdef",
            "@hotro-vcb",
            "t.me/joinchat/",
            &format!("@{}", "a".repeat(33)),
            "tg://msg?text=hi",
        ] {
            assert_eq!(code(input), ErrorCode::InvalidSocial, "{input}");
        }
    }

    #[test]
    fn tiktok_instagram_youtube_x() {
        check(&[
            ("tiktok.com/@user.name_1", "tiktok:user.name_1"),
            ("https://www.tiktok.com/@User/video/7234", "tiktok:user"),
            ("tiktok.com/%40user", "tiktok:user"),
            ("tiktok:@user", "tiktok:user"),
            ("instagram.com/user.name", "instagram:user.name"),
            ("https://www.instagram.com/User_Name/?hl=vi", "instagram:user_name"),
            ("instagram.com/stories/user.name/123/", "instagram:user.name"),
            ("ig:user", "instagram:user"),
            ("youtube.com/@Handle", "youtube:@handle"),
            ("https://m.youtube.com/@Handle/videos", "youtube:@handle"),
            ("youtube.com/channel/UCabcdefghijklmnopqrstuv", "youtube:UCabcdefghijklmnopqrstuv"),
            ("youtube:@handle", "youtube:@handle"),
            ("yt:UCabcdefghijklmnopqrstuv", "youtube:UCabcdefghijklmnopqrstuv"),
            ("youtube.com/c/SomeName", "youtube:c/somename"),
            ("youtube.com/user/SomeName", "youtube:user/somename"),
            ("x.com/user", "x:user"),
            ("twitter.com/User_1", "x:user_1"),
            ("https://mobile.twitter.com/user/status/1", "x:user"),
            ("x:@user", "x:user"),
            ("twitter:user", "x:user"),
        ]);
        assert_eq!(SocialAccount::parse("youtube.com/@Handle").unwrap().display(), "https://www.youtube.com/@handle");
        for input in [
            "tiktok.com/discover",
            "vt.tiktok.com/ZSabc/",
            "instagram.com/p/AbC/",
            "instagram.com/reel/AbC/",
            "youtube.com/watch?v=abc",
            "youtu.be/abc",
            "youtube.com/channel/abc",
            "x.com/home",
            "x.com/intent/tweet?text=x",
            "twitter.com/i/status/1",
            "x:this_is_far_too_long_for_x",
            "tiktok:@a",
        ] {
            assert_eq!(code(input), ErrorCode::InvalidSocial, "{input}");
        }
    }

    #[test]
    fn unknown_platforms() {
        for input in [
            "myspace.com/user",
            "https://example.com/some.user",
            "facebook.com@evil.example/some.user",
            "myspace:user",
            "some.user",
            "hello",
            "viber:0912345678",
        ] {
            assert_eq!(code(input), ErrorCode::UnknownSocialPlatform, "{input}");
        }
        assert_eq!(code("   "), ErrorCode::InvalidSocial);
    }

    #[test]
    fn every_platform_round_trips_and_has_details() {
        let samples = [
            "facebook:some.user",
            "facebook:1000123",
            "facebook:groups/abc",
            "zalo:+84912345678",
            "zalo:g/AbC",
            "zalo:4318296459285648941",
            "telegram:hotro_vcb",
            "telegram:+AbC",
            "telegram:+84912345678",
            "tiktok:user",
            "instagram:user",
            "youtube:@handle",
            "youtube:UCabcdefghijklmnopqrstuv",
            "youtube:c/somename",
            "youtube:user/somename",
            "x:user",
        ];
        for sample in samples {
            let account = SocialAccount::parse(sample).unwrap();
            assert_eq!(account.canonical(), sample);
            roundtrip(&account);
            let mut map = Map::new();
            account.details(&mut map);
            assert_eq!(map["platform"], account.platform().as_str());
            assert_eq!(map["id"], account.id());
            assert_eq!(map["url"], account.display());
        }
        let names: Vec<_> = SocialPlatform::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names, ["facebook", "zalo", "telegram", "tiktok", "instagram", "youtube", "x"]);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in [
            "%",
            "t.me/%",
            "t.me/%E",
            "t.me/%é1",
            "t.me/%2",
            "facebook.com/%C3%A9",
            "@",
            "@é",
            "tg://",
            "://",
            "https://",
            "x:",
            "é:é",
            "facebook.com:é/x",
            "zalo.me/+",
            "youtube.com/@",
            "youtube:c/",
            "youtube:channel/",
        ] {
            let _ = SocialAccount::parse(input);
        }
        let long = format!("https://facebook.com/{}", "a".repeat(100_000));
        assert_eq!(code(&long), ErrorCode::InvalidSocial);
    }
}
