import { type TenantContext, TenantContextError } from '@cognito-tenancy/tenant-context';
import {
  AccessDeniedError,
  CredentialsUnavailableError,
  DataUnavailableError,
  InvalidInputError,
  PolicyEngineError,
  PolicyStoreNotFoundError,
  ShareRecipientNotFoundError,
} from '../runtime/errors';
import { isTransientServiceError } from '../runtime/transient-error';
import { type DocumentMetadata, isDocumentId, newDocumentId } from './document';
import type { DocumentAction, DocumentCaller, DocumentDecider, DocumentReadFilter } from './document-decision';
import type { DocumentStore } from './document-store';

/** A request to the documents API, already taken apart by the function (transport-neutral). */
export interface DocumentsRequest {
  readonly route: 'create' | 'get' | 'list' | 'share' | 'delete';
  /**
   * The verified caller from the authorizer context (`tenantContext(event)`): the only source of the caller's
   * tenant; or the `TenantContextError` saying why the event carries none (answered 403 before anything else).
   */
  readonly caller: TenantContext | TenantContextError;
  /**
   * The path's `{tenantId}`. It never chooses the tenant; one that is not the context's (or is missing) is
   * answered 404 before any data call, as defence in depth behind the authorizer, which already refuses it.
   */
  readonly pathTenantId: string | undefined;
  readonly documentId?: string;
  /** The request body as text (`create`, `share`). */
  readonly body?: string;
  /** `limit` and `cursor` query parameters (`list`). */
  readonly query?: Readonly<Record<string, string | undefined>>;
}

/** What the function answers. */
export interface DocumentsResponse {
  readonly statusCode: number;
  readonly body: unknown;
  /** The error behind a 4xx/5xx, for the function's log (never sent). */
  readonly error?: unknown;
}

export interface DocumentsServiceOptions {
  readonly store: DocumentStore;
  /** One decision per route (owner, action, document); the default lets any user of the tenant in. */
  readonly decide: DocumentDecider;
  /**
   * A list page's `read` decisions in one call (Cedar: `BatchIsAuthorized` in batches of 30). Without it, each
   * listed document is decided with `decide`, concurrently.
   */
  readonly decideReads?: DocumentReadFilter;
  /**
   * Shares a stored document with a user of the caller's tenant (`POST …/documents/{id}/shares`); decides
   * itself whether the caller may. Without it the route answers 404.
   */
  readonly share?: (
    caller: DocumentCaller,
    document: DocumentMetadata,
    recipientSub: string,
  ) => Promise<{ created: boolean }>;
  /**
   * Removes the shares of a document being deleted (the embedded engine's links in tenant data), so no grant
   * outlives its document. Without it a delete removes metadata and body only.
   */
  readonly removeShares?: (document: DocumentMetadata) => Promise<void>;
  readonly now?: () => Date;
}

const MAX_TITLE = 200;
const MAX_CONTENT_BYTES = 256 * 1024;
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/**
 * The sample documents service: `POST /tenants/{tenantId}/documents`, `GET …/documents/{id}` and
 * `GET …/documents` (paginated). The tenant is the authorizer's, never the path's; every data call runs with
 * credentials scoped to that tenant, so another tenant's document id is simply not found (404).
 */
export class DocumentsService {
  readonly #now: () => Date;

  constructor(private readonly options: DocumentsServiceOptions) {
    this.#now = options.now ?? (() => new Date());
  }

  /** Answers one request; errors become user-safe answers (the cause stays in `error`). */
  async handle(request: DocumentsRequest): Promise<DocumentsResponse> {
    try {
      const caller = callerFrom(request.caller);
      // The same answer as for a route that does not exist: it tells nothing about the other tenant.
      if (request.pathTenantId !== caller.tenantId) return { statusCode: 404, body: { message: 'Not found.' } };
      if (request.route === 'create') return await this.#create(caller, request.body);
      if (request.route === 'get') return await this.#get(caller, request.documentId);
      if (request.route === 'delete') return await this.#delete(caller, request.documentId);
      if (request.route === 'share') return await this.#share(caller, request.documentId, request.body);
      return await this.#list(caller, request.query ?? {});
    } catch (error) {
      return failure(error);
    }
  }

  async #create(caller: DocumentCaller, body: string | undefined): Promise<DocumentsResponse> {
    const { title, content } = parseCreate(body);
    const document: DocumentMetadata = {
      tenantId: caller.tenantId,
      id: newDocumentId(),
      title,
      owner: caller.sub,
      contentType: 'text/plain; charset=utf-8',
      size: Buffer.byteLength(content, 'utf8'),
      createdAt: this.#now().toISOString(),
    };
    if (!(await this.#allows(caller, 'create', document))) return forbidden();
    await this.options.store.create(document, content);
    return { statusCode: 201, body: document };
  }

  async #get(caller: DocumentCaller, documentId: string | undefined): Promise<DocumentsResponse> {
    if (!isDocumentId(documentId)) return notFound();
    const document = await this.options.store.get(caller.tenantId, documentId);
    if (document === undefined) return notFound();
    if (!(await this.#allows(caller, 'read', document))) return forbidden();
    const content = await this.options.store.content(document);
    // Metadata without a body (deleted out of band; a delete removes the metadata first). Seen only where the
    // caller may list the bucket (the local stack): in AWS the tenant role gets `AccessDenied`, answered 500.
    if (content === undefined) return notFound();
    return { statusCode: 200, body: { ...document, content } };
  }

  /**
   * Deletes a document the caller may delete (Cedar `DeleteDocument`: owner or tenant-admin): metadata first,
   * then shares, then the body. Metadata goes first because in AWS a read of a missing body cannot be told from
   * a refusal (the tenant role's `ListBucket` is limited to its prefix, so S3 answers `AccessDenied`, not
   * `NoSuchKey`): metadata without a body would answer 500 for good. A delete that fails after the metadata
   * leaves shares and body that nothing reaches (ids are random, never reused), under the tenant's own
   * partition and prefix. A second delete answers 404.
   */
  async #delete(caller: DocumentCaller, documentId: string | undefined): Promise<DocumentsResponse> {
    if (!isDocumentId(documentId)) return notFound();
    const document = await this.options.store.get(caller.tenantId, documentId);
    if (document === undefined) return notFound();
    if (!(await this.#allows(caller, 'delete', document))) return forbidden();
    await this.options.store.deleteMetadata(document);
    await this.options.removeShares?.(document);
    await this.options.store.deleteContent(document);
    return { statusCode: 204, body: undefined };
  }

  async #share(
    caller: DocumentCaller,
    documentId: string | undefined,
    body: string | undefined,
  ): Promise<DocumentsResponse> {
    const share = this.options.share;
    if (share === undefined || !isDocumentId(documentId)) return notFound();
    const recipient = parseShare(body);
    const document = await this.options.store.get(caller.tenantId, documentId);
    if (document === undefined) return notFound();
    const { created } = await share(caller, document, recipient);
    return { statusCode: created ? 201 : 200, body: { documentId, userId: recipient, access: 'read' } };
  }

  async #list(caller: DocumentCaller, query: Readonly<Record<string, string | undefined>>): Promise<DocumentsResponse> {
    const limit = pageSize(query.limit);
    const afterId = cursorId(query.cursor);
    if (!(await this.#allows(caller, 'list'))) return forbidden();
    const page = await this.options.store.list(caller.tenantId, limit, afterId);
    const allowed = await this.#readable(caller, page.documents);
    const readable = page.documents.filter((_document, index) => allowed[index]);
    const nextCursor = page.lastId === undefined ? undefined : Buffer.from(page.lastId).toString('base64url');
    return {
      statusCode: 200,
      body: nextCursor === undefined ? { documents: readable } : { documents: readable, nextCursor },
    };
  }

  /** The page's `read` decisions, in its order; answers that do not match the page refuse it (fail closed). */
  async #readable(caller: DocumentCaller, documents: readonly DocumentMetadata[]): Promise<readonly boolean[]> {
    const decideReads = this.options.decideReads;
    // Without a batch decider: one decision per document, made concurrently; the page keeps its order.
    if (decideReads === undefined)
      return Promise.all(documents.map((document) => this.#allows(caller, 'read', document)));
    const allowed = documents.length === 0 ? [] : await decideReads(caller, documents);
    if (allowed.length !== documents.length) {
      throw new PolicyEngineError(`${allowed.length} read decisions for a page of ${documents.length} documents`);
    }
    return allowed.map((answer) => answer === true);
  }

  async #allows(caller: DocumentCaller, action: DocumentAction, document?: DocumentMetadata): Promise<boolean> {
    const request = document === undefined ? { caller, action } : { caller, action, document };
    return (await this.options.decide(request)) === true;
  }
}

/** The caller as the service uses it; a request without a verified caller is refused (403), never corrected. */
function callerFrom(caller: TenantContext | TenantContextError): DocumentCaller {
  if (caller instanceof TenantContextError) throw caller;
  return { tenantId: caller.tenantId, sub: caller.sub, groups: [...caller.groups] };
}

function parseCreate(body: string | undefined): { title: string; content: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    throw new InvalidInputError('the body must be JSON: {"title": "…", "content": "…"}', 'body');
  }
  const { title, content } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof title !== 'string' || title.trim() === '' || title.length > MAX_TITLE) {
    throw new InvalidInputError(`title must be a string of 1-${MAX_TITLE} characters`, 'title');
  }
  if (typeof content !== 'string' || Buffer.byteLength(content, 'utf8') > MAX_CONTENT_BYTES) {
    throw new InvalidInputError(`content must be a string of at most ${MAX_CONTENT_BYTES} bytes`, 'content');
  }
  return { title: title.trim(), content };
}

function parseShare(body: string | undefined): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    throw new InvalidInputError('the body must be JSON: {"userId": "<sub of a user of your organization>"}', 'body');
  }
  const { userId } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof userId !== 'string' || !/^[\w-]{1,128}$/.test(userId)) {
    throw new InvalidInputError('userId must be the sub of a user of your organization', 'userId');
  }
  return userId;
}

function pageSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PAGE;
  const limit = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE)) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_PAGE}`, 'limit');
  }
  return limit;
}

function cursorId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const id = /^[A-Za-z0-9_-]{1,64}$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : undefined;
  if (!isDocumentId(id)) throw new InvalidInputError('cursor is not one this service issued', 'cursor');
  return id;
}

const notFound = (): DocumentsResponse => ({ statusCode: 404, body: { message: 'Document not found.' } });
const forbidden = (): DocumentsResponse => ({ statusCode: 403, body: { message: 'Forbidden.' } });

function failure(error: unknown): DocumentsResponse {
  // A request without a verified caller is refused, not corrected.
  if (error instanceof TenantContextError) return { ...forbidden(), error };
  if (error instanceof InvalidInputError) return { statusCode: 400, body: { message: error.message }, error };
  if (error instanceof AccessDeniedError) return { ...forbidden(), error };
  if (error instanceof ShareRecipientNotFoundError)
    return { statusCode: 404, body: { message: error.userMessage }, error };
  // The decision could not be made (store unreachable, no store yet): refused, never guessed.
  if (error instanceof CredentialsUnavailableError || error instanceof PolicyEngineError) {
    return { statusCode: 503, body: { message: error.userMessage }, error };
  }
  if (error instanceof PolicyStoreNotFoundError)
    return { statusCode: 503, body: { message: error.userMessage }, error };
  // Throttled or unavailable after the SDK's retries: retry later. The store's reason stays in `error`.
  if (isTransientServiceError(error)) {
    const unavailable = new DataUnavailableError({ cause: error });
    return { statusCode: 503, body: { message: unavailable.userMessage }, error: unavailable };
  }
  // Anything else is a bug or a misconfiguration: nothing of it reaches the caller.
  return { statusCode: 500, body: { message: 'The request could not be completed.' }, error };
}
