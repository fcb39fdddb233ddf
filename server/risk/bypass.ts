/**
 * The kill switch's capability to send reduce-only closes while trading is HALTED.
 *
 * Anyone can construct one; that grants nothing. The risk engine accepts a bypass only if it is
 * the very object (identity, not contents) it handed to its one kill switch for the run in
 * progress, and even then only for reduce-only exits that pass exit sanity. Outside a run, or on
 * an entry, presenting a bypass is refused and raised as a critical risk event.
 */
export class KillSwitchBypass {
  constructor(readonly runId: string) {
    Object.freeze(this);
  }
}
