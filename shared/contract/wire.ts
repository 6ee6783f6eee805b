// The messages both transports carry (WebSocket in the browser, MessagePort in Electron).
// Incoming client messages are validated: a malformed frame gets a `bad_request` answer, never a crash.
import { z } from 'zod';
import type { StudioErrorData } from './errors.js';
import type { StudioEvent } from './events.js';

export const clientMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('request'),
    id: z.union([z.string().min(1).max(64), z.number().int()]),
    method: z.string().min(1).max(100),
    args: z.unknown().optional(),
  }),
  z.object({ kind: z.literal('cancel'), id: z.union([z.string().min(1).max(64), z.number().int()]) }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type ServerMessage =
  | { readonly kind: 'response'; readonly id: string | number | null; readonly ok: true; readonly result: unknown }
  | {
      readonly kind: 'response';
      readonly id: string | number | null;
      readonly ok: false;
      readonly error: StudioErrorData;
    }
  | { readonly kind: 'event'; readonly event: StudioEvent };
