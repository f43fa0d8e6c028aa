//! `/committee/residents`: the roster as a list — search, include moved-out residents, load
//! more; per resident: deactivate, issue a new invite code, grant or revoke roles.

use crate::api::identity::CommunityRef;
use crate::api::roster::{self, Invite, Resident, ResidentFilter};
use crate::api::{ApiError, Role};
use crate::components::{
    claim_url, confirm, error_text, format_date, role_list, role_name, CommitteeOnly, ErrorBanner,
    Loading, Paged, WithPack,
};
use crate::i18n::{k, place, t, tf, tv};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn Residents() -> impl IntoView {
    view! { <WithPack pack="roster" page=|| view! { <ResidentsPage /> } /> }
}

#[component]
fn ResidentsPage() -> impl IntoView {
    view! {
        <section class="page">
            <h1>{tv("residents.title")}</h1>
            <CommitteeOnly can=|c| c.manage_roster page=|community| view! { <ResidentList community=community /> } />
        </section>
    }
}

/// A change to one resident, run from its row.
#[derive(Debug, Clone, Copy, PartialEq)]
enum RowAction {
    Deactivate,
    NewInvite,
    Grant(Role),
    Revoke(Role),
}

#[component]
fn ResidentList(community: CommunityRef) -> impl IntoView {
    let community_id = StoredValue::new(community.id.clone());
    let search = RwSignal::new(String::new());
    let include_inactive = RwSignal::new(false);
    // One signal per row, so a change re-renders that row in place (and keeps keyboard focus).
    let rows = RwSignal::new(Vec::<RwSignal<Resident>>::new());
    // Row signals belong to this page (they are created after an await, where no owner is current).
    let owner = StoredValue::new(Owner::current());
    let total = RwSignal::new(None::<i64>);
    let cursor = RwSignal::new(None::<String>);
    let has_more = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let busy_row = RwSignal::new(None::<String>);
    let invite = RwSignal::new(None::<Invite>);
    // The first page of the submitted search (numbered, so searching again for the same text
    // reads again) and the page "load more" asked for (`Paged`).
    let asked = RwSignal::new((ResidentFilter::default(), 0u32));
    let pages = Paged::new(
        asked.into(),
        move |(filter, _): (ResidentFilter, u32), after| async move {
            roster::residents(&community_id.get_value(), &filter, after).await
        },
    );
    pages.show(move |page, append| match page {
        Ok(page) => {
            let new_rows: Vec<RwSignal<Resident>> = page
                .nodes
                .iter()
                .cloned()
                .map(|r| match owner.get_value() {
                    Some(owner) => owner.with(|| RwSignal::new(r)),
                    None => RwSignal::new(r),
                })
                .collect();
            if append {
                rows.update(|list| list.extend(new_rows));
            } else {
                rows.set(new_rows);
            }
            total.set(Some(page.total_count));
            cursor.set(page.page_info.end_cursor.clone());
            has_more.set(page.page_info.has_next_page);
            error.set(None);
        }
        Err(e) => {
            // A first page that failed leaves nothing to load more from.
            if !append {
                cursor.set(None);
                has_more.set(false);
            }
            error.set(Some(e.clone()));
        }
    });
    let loading = Signal::derive(move || pages.loading());
    // Until the new search's first page arrives, nothing of the previous search's list is
    // shown: not its rows (a tap on one would act on a resident the search no longer shows),
    // their count, its error or its "load more".
    let first_loading = Signal::derive(move || pages.first_loading());
    // A search (or the moved-out switch) starts the list again.
    let load = move |reset: bool| {
        if reset {
            let filter = ResidentFilter {
                search: search.get_untracked(),
                include_inactive: include_inactive.get_untracked(),
            };
            asked.update(|(f, n)| {
                *f = filter;
                *n += 1;
            });
        } else {
            pages.load_more(cursor.get_untracked());
        }
    };

    let run = move |resident: Resident, action: RowAction| {
        if action == RowAction::Deactivate
            && !confirm(&tf(
                "residents.confirm_deactivate",
                &[("name", &resident.name)],
            ))
        {
            return;
        }
        busy_row.set(Some(resident.id.clone()));
        spawn_local(async move {
            let id = resident.id.as_str();
            let outcome = match action {
                RowAction::Deactivate => roster::deactivate(id).await.map(Some),
                RowAction::Grant(role) => roster::grant_role(id, role).await.map(Some),
                RowAction::Revoke(role) => roster::revoke_role(id, role).await.map(Some),
                RowAction::NewInvite => roster::issue_invite(id).await.map(|code| {
                    invite.set(Some(code));
                    None
                }),
            };
            match outcome {
                Ok(Some(updated)) => {
                    let row = rows.with_untracked(|list| {
                        list.iter()
                            .copied()
                            .find(|r| r.with_untracked(|r| r.id == updated.id))
                    });
                    if let Some(row) = row {
                        row.set(updated);
                    }
                    error.set(None);
                }
                Ok(None) => error.set(None),
                Err(e) => error.set(Some(e)),
            }
            busy_row.set(None);
        });
    };

    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load(true);
    };

    let list = move || {
        if first_loading.get() {
            return view! { <Loading /> }.into_any();
        }
        // Only a page with rows offers "load more": an empty list waits for nothing.
        if rows.with(Vec::is_empty) {
            return view! { <p class="empty" data-testid="residents-empty">{tv("residents.none")}</p> }
                .into_any();
        }
        view! {
            <ul class="residents" data-testid="residents">
                <For each=move || rows.get() key=|r| r.with_untracked(|r| r.id.clone()) let:resident>
                    <ResidentRow resident=resident busy_row=busy_row on_action=run />
                </For>
            </ul>
        }
        .into_any()
    };

    view! {
        <p class="muted">{community.name.clone()}</p>
        <form class="form search" role="search" on:submit=on_search>
            <div class="field">
                <label for="resident-search">{tv("residents.search")}</label>
                <div class="inline">
                    <input id="resident-search" type="search" maxlength="50" bind:value=search />
                    <button type="submit" class="button" data-testid="resident-search-submit">
                        {tv("residents.search_submit")}
                    </button>
                </div>
            </div>
            <div class="field check">
                <input id="include-inactive" type="checkbox" bind:checked=include_inactive
                    on:change=move |_| load(true) />
                <label for="include-inactive">{tv("residents.include_inactive")}</label>
            </div>
        </form>
        <ErrorBanner message=Signal::derive(move || error.get().filter(|_| !first_loading.get()).map(|e| error_text(&e))) />
        <p class="muted" role="status" data-testid="residents-total">
            {move || total.get().filter(|_| !first_loading.get()).map(|n| tf("residents.total", &[("count", &n.to_string())]))}
        </p>
        {list}
        <Show when=move || has_more.get() && !first_loading.get()>
            <button type="button" class="button wide" data-testid="load-more"
                disabled=move || loading.get() on:click=move |_| load(false)>
                {move || if loading.get() { t("common.loading") } else { t("common.load_more") }}
            </button>
        </Show>
        <InviteDialog invite=invite />
    }
}

#[component]
fn ResidentRow(
    resident: RwSignal<Resident>,
    busy_row: RwSignal<Option<String>>,
    on_action: impl Fn(Resident, RowAction) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = resident.with_untracked(|r| r.id.clone());
    let busy = move || {
        let busy_id = busy_row.get();
        resident.with(|r| busy_id.as_deref() == Some(r.id.as_str()))
    };
    let home = move || resident.with(|r| place(&r.household.building, &r.household.unit));
    let roles = move || resident.with(|r| role_list(&r.roles));
    let status = move || {
        resident.with(|r| {
            if !r.active {
                t("residents.inactive")
            } else if r.claimed {
                t("residents.claimed")
            } else {
                t("residents.unclaimed")
            }
        })
    };
    let active = move || resident.with(|r| r.active);
    let offers = move || resident.with(|r| r.viewer_can.any());
    let can = move |f: fn(&crate::api::roster::ResidentActions) -> bool| {
        move || resident.with(|r| f(&r.viewer_can))
    };
    let act = move |action: RowAction| on_action(resident.get_untracked(), action);
    let role_buttons = move || {
        resident
            .with(|r| r.viewer_can.role_toggles())
            .into_iter()
            .map(|(role, held)| {
                let has = move || held;
                let testid = move || {
                    format!(
                        "{}-{}",
                        if has() { "revoke" } else { "grant" },
                        role.as_str()
                    )
                };
                let label = move || {
                    let key = if has() {
                        k("residents.revoke")
                    } else {
                        k("residents.grant")
                    };
                    tf(key, &[("role", &role_name(role))])
                };
                let action = move || {
                    if has() {
                        RowAction::Revoke(role)
                    } else {
                        RowAction::Grant(role)
                    }
                };
                view! {
                    <button type="button" class="button small" data-testid=testid
                        aria-pressed=move || has().to_string()
                        disabled=busy on:click=move |_| act(action())>
                        {label}
                    </button>
                }
            })
            .collect_view()
    };

    view! {
        <li class="resident" class:inactive=move || !active() data-testid="resident-row" data-resident-id=id>
            <p class="resident-who">
                <strong>{move || resident.with(|r| r.name.clone())}</strong>
                " "
                <span class="muted">{move || resident.with(|r| r.phone.clone())}</span>
            </p>
            <p class="muted">{home}</p>
            <p>
                <span class="tag" data-testid="resident-status">{status}</span>
                " "
                <span data-testid="resident-roles">{roles}</span>
            </p>
            <Show when=offers>
                <details class="row-actions">
                    <summary class="button small" data-testid="resident-actions">
                        {tv("residents.actions")}
                    </summary>
                    <div class="actions">
                        <Show when=can(|c| c.invite)>
                            <button type="button" class="button small" data-testid="issue-invite"
                                disabled=busy on:click=move |_| act(RowAction::NewInvite)>
                                {tv("residents.new_invite")}
                            </button>
                        </Show>
                        {role_buttons}
                        <Show when=can(|c| c.deactivate)>
                            <button type="button" class="button small danger" data-testid="deactivate"
                                disabled=busy on:click=move |_| act(RowAction::Deactivate)>
                                {tv("residents.deactivate")}
                            </button>
                        </Show>
                    </div>
                </details>
            </Show>
        </li>
    }
}

/// Shows a freshly issued invite code, once, in a modal `<dialog>` (Esc or the button closes it).
#[component]
fn InviteDialog(invite: RwSignal<Option<Invite>>) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move || {
        let open = invite.with(Option::is_some);
        if let Some(el) = dialog.get() {
            if open && !el.open() {
                let _ = el.show_modal();
            } else if !open && el.open() {
                el.close();
            }
        }
    });
    let body = move || {
        invite.get().map(|i| {
            let who = tf("residents.invite_for", &[("name", &i.name), ("phone", &i.phone)]);
            let expires = tf("slip.expires", &[("date", &format_date(&i.expires_at))]);
            let how = tf("slip.step_open", &[("url", &claim_url())]);
            view! {
                <p>{who}</p>
                <p><code class="code code-large" data-testid="invite-dialog-code">{i.code}</code></p>
                <p class="banner banner-warning">{tv("residents.invite_once")}</p>
                <p class="hint">{how}</p>
                <p class="hint">{expires}</p>
            }
        })
    };
    view! {
        <dialog node_ref=dialog class="dialog" data-testid="invite-dialog" aria-labelledby="invite-dialog-title"
            on:close=move |_| invite.set(None)>
            <h2 id="invite-dialog-title">{tv("residents.invite_title")}</h2>
            {body}
            <form method="dialog">
                <button type="submit" class="button primary" data-testid="invite-dialog-close">
                    {tv("common.close")}
                </button>
            </form>
        </dialog>
    }
}
