/**
 * V8's JSON.parse message without the excerpt of the text it quotes for an
 * unexpected token (`Unexpected token 'M', "MODELSMITH"... is not valid JSON`):
 * the file may be one the user never meant to show (FORMAT /proc/self/environ),
 * and the message goes to terminals, logs and CI output. Messages that quote
 * nothing (`Expected ':' after property name in JSON at position 5`) stay.
 */
export function jsonErrorWithoutContent(err: Error): string {
  if (!/["']/.test(err.message.replace(/'[}\]:,]'/g, ""))) return err.message;
  return "unexpected token: the text is not JSON";
}
