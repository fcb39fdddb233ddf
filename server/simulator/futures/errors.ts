import { BinanceError } from "../binance-errors";

/** Binance USDⓈ-M futures error codes and messages (developers.binance.com, "Error Codes"). */
export const futuresErrors = {
  badPrecision: () => new BinanceError(-1111, "Precision is over the maximum defined for this asset."),
  marginInsufficient: () => new BinanceError(-2019, "Margin is insufficient."),
  orderWouldTrigger: () => new BinanceError(-2021, "Order would immediately trigger."),
  reduceOnlyRejected: () => new BinanceError(-2022, "ReduceOnly Order is rejected."),
  maxLeverageRatio: () => new BinanceError(-2027, "Exceeded the maximum allowable position at current leverage."),
  priceLessThanZero: () => new BinanceError(-4001, "Price less than 0."),
  priceGreaterThanMax: () => new BinanceError(-4002, "Price greater than max price."),
  qtyLessThanZero: () => new BinanceError(-4003, "Quantity less than or equal to zero."),
  qtyLessThanMin: () => new BinanceError(-4004, "Quantity less than min quantity."),
  qtyGreaterThanMax: () => new BinanceError(-4005, "Quantity greater than max quantity."),
  stopPriceLessThanZero: () => new BinanceError(-4006, "Stop price less than zero."),
  priceLessThanMin: () => new BinanceError(-4013, "Price less than min price."),
  priceNotByTick: () => new BinanceError(-4014, "Price not increased by tick size."),
  priceAboveMultiplierUp: (limit: string) => new BinanceError(-4016, `Limit price can't be higher than ${limit}.`),
  qtyNotByStep: () => new BinanceError(-4023, "Qty not increased by step size."),
  priceBelowMultiplierDown: (limit: string) => new BinanceError(-4024, `Limit price can't be lower than ${limit}.`),
  invalidLeverage: (leverage: string) => new BinanceError(-4028, `Leverage ${leverage} is not valid`),
  invalidMarginType: () => new BinanceError(-4042, "Invalid margin type."),
  noNeedToChangeMarginType: () => new BinanceError(-4046, "No need to change margin type."),
  marginTypeOpenOrders: () => new BinanceError(-4047, "Margin type cannot be changed if there exists open orders."),
  marginTypePosition: () => new BinanceError(-4048, "Margin type cannot be changed if there exists position."),
  noNeedToChangePositionSide: () => new BinanceError(-4059, "No need to change position side."),
  positionSideMismatch: () => new BinanceError(-4061, "Order's position side does not match user's setting."),
  stopOrderSwitchAlgo: () => new BinanceError(-4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead."),
  marketOutsidePercentPrice: () => new BinanceError(-4131, "The counterparty's best price does not meet the PERCENT_PRICE filter limit."),
  invalidClosePosition: (type: string) => new BinanceError(-4136, `Target strategy invalid for orderType ${type},closePosition true`),
  minNotional: (min: number) => new BinanceError(-4164, `Order's notional must be no smaller than ${min} (unless you choose reduce only).`),
  fokRejected: () =>
    new BinanceError(-5021, "Due to the order could not be filled immediately, the FOK order has been rejected. The order will not be recorded in the order history"),
  gtxRejected: () =>
    new BinanceError(-5022, "Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history"),
};
