/**
 * pino JSON logs (pretty in dev), with private keys, signatures and session authorizations redacted
 * wherever they appear in a logged object.
 */
import pino, { type DestinationStream, type Logger } from "pino";

export const redactedPaths = [
  "privateKey", "*.privateKey", "key", "*.apiKey", "apiKey",
  'req.headers["x-claw-signature"]', 'req.headers["x-claw-session"]', "req.headers.authorization",
  'headers["x-claw-signature"]', 'headers["x-claw-session"]', "headers.authorization",
];

export function createLogger(o: { level: string; pretty: boolean }, destination?: DestinationStream): Logger {
  const options = {
    level: o.level,
    redact: { paths: redactedPaths, censor: "[redacted]" },
    ...(o.pretty && !destination ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname" } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
