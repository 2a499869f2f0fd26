import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TenancyError } from '../runtime/errors';

/** A raw DynamoDB item. The registry marshals by hand: its items are few and flat, and lib-dynamodb costs cold start. */
export type Item = Record<string, AttributeValue>;

/** An item that does not have the shape the registry writes (edited by hand, or another writer). */
export class CorruptItemError extends TenancyError {
  override name = 'CorruptItemError';
  constructor(
    readonly pk: string,
    readonly attribute: string,
  ) {
    super(`registry item ${pk} has a missing or malformed "${attribute}"`, {
      userMessage: 'The service is temporarily unavailable. Please try again.',
    });
  }
}

/** Marshals a string. */
export const S = (value: string): AttributeValue => ({ S: value });
/** Marshals a number. */
export const N = (value: number): AttributeValue => ({ N: String(value) });
/** Marshals a string → string map. */
export const M = (value: Readonly<Record<string, string>>): AttributeValue => ({
  M: Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, S(entry)])),
});

/** Reads a required string attribute. */
export function readS(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new CorruptItemError(item.pk?.S ?? '?', name);
  return value;
}

/** Reads a required number attribute. */
export function readN(item: Item, name: string): number {
  const raw = item[name]?.N;
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new CorruptItemError(item.pk?.S ?? '?', name);
  return value;
}

/** Reads an optional string → string map attribute (absent → empty). */
export function readStringMap(item: Item, name: string): Record<string, string> {
  const map = item[name];
  if (map === undefined) return {};
  if (map.M === undefined) throw new CorruptItemError(item.pk?.S ?? '?', name);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(map.M)) {
    if (value.S === undefined) throw new CorruptItemError(item.pk?.S ?? '?', `${name}.${key}`);
    result[key] = value.S;
  }
  return result;
}
