/**
 * Binance's error shape `{ code, msg }` with the codes and messages of the real spot API, so ccxt's
 * own error mapping raises the same exception classes it raises against Binance.
 */
export class BinanceError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly httpStatus = 400,
    readonly headers: Record<string, string> = {},
    /** Extra fields of the error body (cancelReplace's "data"). */
    readonly data?: Record<string, unknown>,
  ) {
    super(msg);
    this.name = "BinanceError";
  }

  toJSON(): { code: number; msg: string; data?: Record<string, unknown> } {
    return this.data ? { code: this.code, msg: this.msg, data: this.data } : { code: this.code, msg: this.msg };
  }
}

export const NUMBER_RANGE = "^([0-9]{1,20})(\\.[0-9]{1,20})?$";
export const CLIENT_ORDER_ID_RANGE = "^[\\.A-Z\\:/a-z0-9_-]{1,36}$";

export const binanceErrors = {
  unknown: (detail: string) => new BinanceError(-1000, `An unknown error occurred while processing the request. ${detail}`, 500),
  tooManyRequests: (retryAfterSec: number) =>
    new BinanceError(
      -1003,
      "Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
      429,
      { "Retry-After": String(retryAfterSec) },
    ),
  unsupportedOperation: (what: string) => new BinanceError(-1020, `This operation is not supported. ${what}`, 404),
  timestampAhead: () => new BinanceError(-1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  timestampOutsideRecvWindow: () => new BinanceError(-1021, "Timestamp for this request is outside of the recvWindow."),
  badSignature: () => new BinanceError(-1022, "Signature for this request is not valid."),
  illegalChars: (param: string, range = NUMBER_RANGE) =>
    new BinanceError(-1100, `Illegal characters found in parameter '${param}'; legal range is '${range}'.`),
  tooManyParameters: () => new BinanceError(-1101, "Too many parameters sent for this endpoint."),
  mandatory: (param: string) => new BinanceError(-1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  eitherMandatory: (a: string, b: string) => new BinanceError(-1102, `Param '${a}' or '${b}' must be sent, but both were empty/null!`),
  notRequired: (param: string) => new BinanceError(-1106, `Parameter '${param}' sent when not required.`),
  invalidTimeInForce: () => new BinanceError(-1115, "Invalid timeInForce."),
  invalidOrderType: () => new BinanceError(-1116, "Invalid orderType."),
  marketClosed: () => new BinanceError(-1013, "Market is closed."),
  retired: (what: string) => new BinanceError(-1020, `This operation is not supported. ${what}`, 410),
  icebergNeedsGtc: () => new BinanceError(-1013, "Iceberg order's time in force must be GTC."),
  unsupportedOrderCombination: () => new BinanceError(-1014, "Unsupported order combination."),
  invalidSide: () => new BinanceError(-1117, "Invalid side."),
  invalidInterval: () => new BinanceError(-1120, "Invalid interval."),
  invalidSymbol: () => new BinanceError(-1121, "Invalid symbol."),
  invalidListenKey: () => new BinanceError(-1125, "This listenKey does not exist."),
  invalidParameter: (param: string) => new BinanceError(-1130, `Data sent for parameter '${param}' is not valid.`),
  badRecvWindow: () => new BinanceError(-1131, "recvWindow must be less than 60000"),
  filterFailure: (filter: string) => new BinanceError(-1013, `Filter failure: ${filter}`),
  insufficientBalance: () => new BinanceError(-2010, "Account has insufficient balance for requested action."),
  duplicateOrder: () => new BinanceError(-2010, "Duplicate order sent."),
  stopWouldTrigger: () => new BinanceError(-2010, "Stop price would trigger immediately."),
  wouldTake: () => new BinanceError(-2010, "Order would immediately match and take."),
  unknownOrder: () => new BinanceError(-2011, "Unknown order sent."),
  // Order lists (OCO / OTO / OTOCO), Binance's codes and messages.
  ocoOrderTypeRejected: () => new BinanceError(-1158, "Order type not supported in OCO."),
  ocoIcebergNeedsGtc: (param: string, tifParam: string) => new BinanceError(-1160, `Parameter '${param}' is not supported if '${tifParam}' is not GTC.`),
  buyOcoLimitMustBeBelow: () => new BinanceError(-1165, "A limit order in a buy OCO must be below."),
  sellOcoLimitMustBeAbove: () => new BinanceError(-1166, "A limit order in a sell OCO must be above."),
  ocoBothLimit: () => new BinanceError(-1168, "At least one OCO order must be contingent."),
  buyOcoStopLossMustBeAbove: () => new BinanceError(-1196, "A stop loss order in a buy OCO must be above."),
  sellOcoStopLossMustBeBelow: () => new BinanceError(-1197, "A stop loss order in a sell OCO must be below."),
  buyOcoTakeProfitMustBeBelow: () => new BinanceError(-1198, "A take profit order in a buy OCO must be below."),
  sellOcoTakeProfitMustBeAbove: () => new BinanceError(-1199, "A take profit order in a sell OCO must be above."),
  ocoBadPrices: () => new BinanceError(-2010, "The relationship of the prices for the orders is not correct."),
  unknownOrderList: () => new BinanceError(-2011, "Unknown order list sent."),
  orderListDoesNotExist: () => new BinanceError(-2013, "Order list does not exist."),
  orderDoesNotExist: () => new BinanceError(-2013, "Order does not exist."),
  apiKeyFormat: () => new BinanceError(-2014, "API-key format invalid.", 401),
  invalidApiKey: () => new BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", 401),
};
