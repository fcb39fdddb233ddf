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

/**
 * The risk engine's answer to one order request, in the only form the order gateway accepts
 * (server/execution/order-gateway.ts). Anyone can construct one; that grants nothing: the gateway
 * redeems an approval only if it is the very object (identity, not contents) the risk engine issued,
 * and only once. The request sent is the one the risk engine decided on, never another.
 */
export class OrderApproval<R = unknown, D = unknown> {
  constructor(
    readonly request: Readonly<R>,
    readonly decision: Readonly<D>,
  ) {
    Object.freeze(this);
  }
}

/** What a gateway holds: it can check and use up approvals, never issue one. */
export interface ApprovalRedeemer {
  /** True once for an approval this authority issued; false for a forged, foreign or used one. */
  redeem(approval: OrderApproval): boolean;
}

/**
 * Issues approvals. The risk engine keeps its authority private and hands only its redeemer to the
 * gateway; so only evaluate() (an allowed decision) can make an order reach a venue.
 */
export class ApprovalAuthority {
  readonly #issued = new WeakSet<OrderApproval>();
  readonly redeemer: ApprovalRedeemer;

  constructor() {
    const issued = this.#issued;
    this.redeemer = Object.freeze({
      redeem(approval: OrderApproval): boolean {
        if (!(approval instanceof OrderApproval) || !issued.has(approval)) return false;
        issued.delete(approval);
        return true;
      },
    });
  }

  issue<R, D>(request: R, decision: D): OrderApproval<R, D> {
    const approval = new OrderApproval<R, D>(Object.freeze({ ...request }), decision);
    this.#issued.add(approval);
    return approval;
  }
}
