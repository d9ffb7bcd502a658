// The logger the protocol writes to. Library code never prints; the node passes its own logger.
export interface Logger {
  info(msg: string, data?: object): void
  warn(msg: string, data?: object): void
  error(msg: string, data?: object): void
  debug(msg: string, data?: object): void
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined
}
