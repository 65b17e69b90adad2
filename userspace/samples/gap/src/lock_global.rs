//! Withdraws the packet's amount (u32 at 4) from its account (byte 0)
//! under the account's lock, if a policy function allows it (at most 1000
//! and no more than the balance); the balance into bytes 0..4, `XDP_DROP`
//! if refused or if there is no such account.

use rax::{ArrayMap, Locked, XdpAction, XdpContext};

rax::pod! {
    /// An account.
    #[derive(Clone, Copy)]
    pub struct Account {
        /// Its balance.
        pub balance: u64,
        /// Withdrawals refused.
        pub rejected: u64,
    }
}

rax::map!(static ACCOUNTS: ArrayMap<Locked<Account>, 16>);

/// Whether `amount` may be withdrawn from `a`: a policy of its own, called
/// with the lock held.
#[inline(never)]
fn allowed(a: &Account, amount: u64) -> bool {
    amount <= a.balance && amount <= 1000
}

fn lock_global(ctx: &mut XdpContext) -> XdpAction {
    let (Some(id), Some(amount)) = (ctx.load::<u8>(0), ctx.load::<u32>(4)) else {
        return XdpAction::Aborted;
    };
    let Some(account) = ACCOUNTS.get(u32::from(id)) else {
        return XdpAction::Drop;
    };
    let mut a = account.lock();
    let ok = allowed(&a, u64::from(amount));
    if ok {
        a.balance -= u64::from(amount);
    } else {
        a.rejected += 1;
    }
    let balance = a.balance as u32;
    drop(a);
    match ctx.store(0, &balance) {
        Some(()) if ok => XdpAction::Tx,
        Some(()) => XdpAction::Drop,
        None => XdpAction::Aborted,
    }
}
rax::xdp!(lock_global);
