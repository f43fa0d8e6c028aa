//! The signed-in pages past Home. Every such path is a module page (`app::Shown::Module`);
//! [`Page::of`] names the page,
//! and the page's module draws it with code split out of the main WASM module: each `#[lazy]`
//! function below is one part (topics and ballots, the roster, mediation, awards, events, the
//! account's own pages), downloaded the first time one of its pages is visited.
//!
//! One table here instead of one route per page keeps the first screen small: each lazily
//! loaded route cost the main module its own matching and loading code (about 330 KB before
//! compression for 31 routes; BENCHMARKS.md, session 14).

#[cfg(target_arch = "wasm32")]
pub use draw::{use_path_id, ModulePage};

/// What an address shows, given whether there is a session: the pages of the main module, a
/// module page, or another path to go to instead.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    SignIn,
    Claim,
    SignOut,
    Home,
    /// Every signed-in page past Home ([`Page::of`] names it, or there is none: "not found").
    Module,
    /// A page for the other side of signing in: go to this path instead.
    Elsewhere(&'static str),
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl Shown {
    pub fn of(path: &str, signed_in: bool) -> Shown {
        match (trimmed(path), signed_in) {
            ("/signin", false) => Shown::SignIn,
            ("/claim", false) => Shown::Claim,
            ("/signin" | "/claim", true) => Shown::Elsewhere("/"),
            ("/signout", _) => Shown::SignOut,
            ("/", true) => Shown::Home,
            (_, true) => Shown::Module,
            (_, false) => Shown::Elsewhere("/signin"),
        }
    }
}

/// `path` without trailing slashes (`/claim/` → `/claim`; `/` stays).
fn trimmed(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    }
}

/// Whether the portal itself shows `path`, so that a link to it is followed in place; any other
/// path of this origin (`/graphql`, `/metrics`, a calendar feed `/events/<id>.ics`) is the
/// server's, and the browser goes there.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn is_portal_path(path: &str) -> bool {
    // The main module's paths are those [`Shown::of`] does not hand to a module page.
    Shown::of(path, true) != Shown::Module || Page::of(path).is_some()
}

/// A page past Home, by its path.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Communities,
    Inbox,
    RosterImport,
    Residents,
    Review,
    Topics,
    TopicNew,
    Topic,
    Receipt,
    Roll,
    Notice,
    Cases,
    CaseNew,
    Case,
    Agreement,
    CaseQueue,
    Awards,
    CampaignNew,
    Campaign,
    Nominate,
    Nomination,
    HonourRoll,
    Certificate,
    Events,
    EventNew,
    Event,
    CheckIn,
    MyEvents,
    Hours,
    Groups,
}

/// The parts of the portal that load together.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Module {
    Account,
    Topics,
    Roster,
    Mediation,
    Awards,
    Events,
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl Page {
    /// The page a path shows (`/topics/abc` → `Topic`); `None`: no such page. Ids are the
    /// second segment of every path that has one ([`use_path_id`]).
    pub fn of(path: &str) -> Option<Page> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        // A name with a dot is a file the server sends (`/events/<id>.ics`), never a page: ids
        // have none.
        if segments.iter().any(|s| s.contains('.')) {
            return None;
        }
        Some(match segments.as_slice() {
            ["communities"] => Page::Communities,
            ["inbox"] => Page::Inbox,
            ["committee", "roster"] => Page::RosterImport,
            ["committee", "residents"] => Page::Residents,
            ["committee", "review"] => Page::Review,
            ["committee", "cases"] => Page::CaseQueue,
            ["topics"] => Page::Topics,
            ["topics", "new"] => Page::TopicNew,
            ["topics", _] => Page::Topic,
            ["ballots", _, "receipt"] => Page::Receipt,
            ["ballots", _, "roll"] => Page::Roll,
            ["ballots", _, "notice"] => Page::Notice,
            ["cases"] => Page::Cases,
            ["cases", "new"] => Page::CaseNew,
            ["cases", _] => Page::Case,
            ["cases", _, "agreement"] => Page::Agreement,
            ["awards"] => Page::Awards,
            ["awards", "new"] => Page::CampaignNew,
            ["awards", _] => Page::Campaign,
            ["awards", _, "nominate"] => Page::Nominate,
            ["nominations", _] => Page::Nomination,
            ["honour-roll"] => Page::HonourRoll,
            ["honour-roll", _] => Page::Certificate,
            ["events"] => Page::Events,
            ["events", "new"] => Page::EventNew,
            ["events", _] => Page::Event,
            ["events", _, "check-in"] => Page::CheckIn,
            ["my-events"] => Page::MyEvents,
            ["volunteer-hours"] => Page::Hours,
            ["volunteer-groups"] => Page::Groups,
            _ => return None,
        })
    }

    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    fn module(self) -> Module {
        use Page::*;
        match self {
            Communities | Inbox => Module::Account,
            Review | Topics | TopicNew | Topic | Receipt | Roll | Notice => Module::Topics,
            RosterImport | Residents => Module::Roster,
            Cases | CaseNew | Case | Agreement | CaseQueue => Module::Mediation,
            Awards | CampaignNew | Campaign | Nominate | Nomination | HonourRoll | Certificate => {
                Module::Awards
            }
            Events | EventNew | Event | CheckIn | MyEvents | Hours | Groups => Module::Events,
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod draw {
    use super::{Module, Page};
    use crate::components::Loading;
    use crate::nav::use_location;
    use crate::pages::not_found::NotFound;
    use leptos::prelude::*;

    /// Runs a module's code (downloaded on first use): the page drawn, or with `None` nothing
    /// (the code is then loaded for the next call).
    async fn run(module: Module, page: Option<Page>) -> AnyView {
        match module {
            Module::Account => account_pages(page).await,
            Module::Topics => topic_pages(page).await,
            Module::Roster => roster_pages(page).await,
            Module::Mediation => mediation_pages(page).await,
            Module::Awards => award_pages(page).await,
            Module::Events => event_pages(page).await,
        }
    }

    /// The page a module page was drawn for (its id follows the path only while the path names
    /// this page).
    #[derive(Clone, Copy)]
    struct Here(Page);

    /// The id in the current path (its second segment: `/topics/:id`, `/ballots/:id/receipt`…).
    /// It follows the path while the path names the same page, and keeps its value while the
    /// page is being replaced by another (no read of an empty id on the way out).
    pub fn use_path_id() -> Memo<String> {
        let location = use_location();
        let here = use_context::<Here>()
            .map(|h| h.0)
            .or_else(|| location.pathname.with_untracked(|p| Page::of(p)));
        Memo::new(move |previous: Option<&String>| {
            location.pathname.with(|p| match (Page::of(p), previous) {
                (page, Some(previous)) if page != here => previous.clone(),
                _ => p
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
    }

    /// Every signed-in page past Home, drawn again when the path names another page (a new id
    /// on the same page only changes [`use_path_id`], as a router's parameters would). While a
    /// module's code is on its way, a loading line stands in for the last page, whose state is
    /// gone by then (none of it stays clickable); once loaded, a page is drawn at once. No
    /// `Suspense` around it: a page's own reads must not blank the page while they load.
    #[component]
    pub fn ModulePage() -> impl IntoView {
        let location = use_location();
        let page = Memo::new(move |_| location.pathname.with(|p| Page::of(p)));
        let loaded = RwSignal::new(Vec::<Module>::new());
        // The page and whether its module's code is here: another module arriving later (after
        // a quick back-and-forth) must not draw the shown page anew.
        let shown = Memo::new(move |_| {
            page.get()
                .map(|p| (p, loaded.with(|l| l.contains(&p.module()))))
        });
        move || match shown.get() {
            None => view! { <NotFound /> }.into_any(),
            Some((page, true)) => {
                provide_context(Here(page));
                Suspend::new(run(page.module(), Some(page))).into_any()
            }
            Some((page, false)) => {
                let module = page.module();
                leptos::task::spawn_local(async move {
                    run(module, None).await;
                    loaded.update(|l| {
                        if !l.contains(&module) {
                            l.push(module);
                        }
                    });
                });
                view! { <Loading /> }.into_any()
            }
        }
    }

    fn elsewhere() -> AnyView {
        view! { <NotFound /> }.into_any()
    }

    #[lazy]
    fn account_pages(page: Option<Page>) -> AnyView {
        use crate::pages::{communities::Communities, inbox::Inbox};
        match page {
            Some(Page::Communities) => view! { <Communities /> }.into_any(),
            Some(Page::Inbox) => view! { <Inbox /> }.into_any(),
            Some(_) => elsewhere(),
            None => ().into_any(),
        }
    }

    #[lazy]
    fn topic_pages(page: Option<Page>) -> AnyView {
        use crate::pages::{
            notice::ResultNoticePage, receipt::ReceiptCheck, review::ReviewQueue, roll::NamedRoll,
            topic::TopicPage, topic_new::TopicNew, topics::Topics,
        };
        match page {
            Some(Page::Review) => view! { <ReviewQueue /> }.into_any(),
            Some(Page::Topics) => view! { <Topics /> }.into_any(),
            Some(Page::TopicNew) => view! { <TopicNew /> }.into_any(),
            Some(Page::Topic) => view! { <TopicPage /> }.into_any(),
            Some(Page::Receipt) => view! { <ReceiptCheck /> }.into_any(),
            Some(Page::Roll) => view! { <NamedRoll /> }.into_any(),
            Some(Page::Notice) => view! { <ResultNoticePage /> }.into_any(),
            Some(_) => elsewhere(),
            None => ().into_any(),
        }
    }

    #[lazy]
    fn roster_pages(page: Option<Page>) -> AnyView {
        use crate::pages::{residents::Residents, roster_import::RosterImport};
        match page {
            Some(Page::RosterImport) => view! { <RosterImport /> }.into_any(),
            Some(Page::Residents) => view! { <Residents /> }.into_any(),
            Some(_) => elsewhere(),
            None => ().into_any(),
        }
    }

    #[lazy]
    fn mediation_pages(page: Option<Page>) -> AnyView {
        use crate::pages::{
            case::{AgreementPrint, CasePage},
            cases::{CaseNew, CaseQueue, CasesPage},
        };
        match page {
            Some(Page::Cases) => view! { <CasesPage /> }.into_any(),
            Some(Page::CaseNew) => view! { <CaseNew /> }.into_any(),
            Some(Page::Case) => view! { <CasePage /> }.into_any(),
            Some(Page::Agreement) => view! { <AgreementPrint /> }.into_any(),
            Some(Page::CaseQueue) => view! { <CaseQueue /> }.into_any(),
            Some(_) => elsewhere(),
            None => ().into_any(),
        }
    }

    #[lazy]
    fn award_pages(page: Option<Page>) -> AnyView {
        use crate::pages::{
            awards::{AwardsPage, CampaignNew, CampaignPage},
            nomination::{Certificate, HonourRoll, NominatePage, NominationPage},
        };
        match page {
            Some(Page::Awards) => view! { <AwardsPage /> }.into_any(),
            Some(Page::CampaignNew) => view! { <CampaignNew /> }.into_any(),
            Some(Page::Campaign) => view! { <CampaignPage /> }.into_any(),
            Some(Page::Nominate) => view! { <NominatePage /> }.into_any(),
            Some(Page::Nomination) => view! { <NominationPage /> }.into_any(),
            Some(Page::HonourRoll) => view! { <HonourRoll /> }.into_any(),
            Some(Page::Certificate) => view! { <Certificate /> }.into_any(),
            Some(_) => elsewhere(),
            None => ().into_any(),
        }
    }

    #[lazy]
    fn event_pages(page: Option<Page>) -> AnyView {
        use crate::pages::events::{
            CheckInPage, EventNew, EventPage, EventsPage, MyEvents, VolunteerGroups, VolunteerHours,
        };
        match page {
            Some(Page::Events) => view! { <EventsPage /> }.into_any(),
            Some(Page::EventNew) => view! { <EventNew /> }.into_any(),
            Some(Page::Event) => view! { <EventPage /> }.into_any(),
            Some(Page::CheckIn) => view! { <CheckInPage /> }.into_any(),
            Some(Page::MyEvents) => view! { <MyEvents /> }.into_any(),
            Some(Page::Hours) => view! { <VolunteerHours /> }.into_any(),
            Some(Page::Groups) => view! { <VolunteerGroups /> }.into_any(),
            Some(_) => elsewhere(),
            None => ().into_any(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_names_its_page_and_nothing_else_does() {
        for (path, page) in [
            ("/communities", Some(Page::Communities)),
            ("/inbox", Some(Page::Inbox)),
            ("/committee/roster", Some(Page::RosterImport)),
            ("/committee/residents", Some(Page::Residents)),
            ("/committee/review", Some(Page::Review)),
            ("/committee/cases", Some(Page::CaseQueue)),
            ("/topics", Some(Page::Topics)),
            ("/topics/", Some(Page::Topics)),
            ("/topics/new", Some(Page::TopicNew)),
            ("/topics/t1", Some(Page::Topic)),
            ("/ballots/b1/receipt", Some(Page::Receipt)),
            ("/ballots/b1/roll", Some(Page::Roll)),
            ("/ballots/b1/notice", Some(Page::Notice)),
            ("/cases/c1/agreement", Some(Page::Agreement)),
            ("/awards/a1/nominate", Some(Page::Nominate)),
            ("/honour-roll/n1", Some(Page::Certificate)),
            ("/events/e1/check-in", Some(Page::CheckIn)),
            ("/volunteer-groups", Some(Page::Groups)),
            ("/ballots/b1", None),
            ("/events/e1.ics", None),
            ("/ballots/b1/bulletin.csv", None),
            ("/topics/t1/extra", None),
            ("/no/such/page", None),
            ("/", None),
        ] {
            assert_eq!(Page::of(path), page, "{path}");
            assert_eq!(
                is_portal_path(path),
                page.is_some() || path == "/",
                "{path}"
            );
        }
        for path in ["/signin", "/claim/", "/signout"] {
            assert!(is_portal_path(path), "{path}");
        }
        for path in [
            "/graphql",
            "/metrics",
            "/healthz",
            "/events/e1.ics",
            "/x.js",
        ] {
            assert!(!is_portal_path(path), "{path}");
        }
    }

    #[test]
    fn the_address_shows_the_page_for_its_side_of_signing_in() {
        for (path, signed_out, signed_in) in [
            ("/signin", Shown::SignIn, Shown::Elsewhere("/")),
            ("/signin/", Shown::SignIn, Shown::Elsewhere("/")),
            ("/claim", Shown::Claim, Shown::Elsewhere("/")),
            ("/claim/", Shown::Claim, Shown::Elsewhere("/")),
            ("/signout", Shown::SignOut, Shown::SignOut),
            ("/", Shown::Elsewhere("/signin"), Shown::Home),
            ("", Shown::Elsewhere("/signin"), Shown::Home),
            ("/topics", Shown::Elsewhere("/signin"), Shown::Module),
            ("/no/such/page", Shown::Elsewhere("/signin"), Shown::Module),
        ] {
            assert_eq!(Shown::of(path, false), signed_out, "{path} signed out");
            assert_eq!(Shown::of(path, true), signed_in, "{path} signed in");
        }
    }
}
