/* eslint-disable @typescript-eslint/no-explicit-any */
import { applyDecorators, Logger } from '@nestjs/common';
import type { PaymentsErrorCode } from './payments.exception';
/**
 * OpenAPI decorators that cost nothing without `@nestjs/swagger` (an optional peer): each one asks
 * for the package once, on first use, and is a no-op when the app has not installed it. No type
 * from `@nestjs/swagger` leaks into our declarations, so apps without it still compile.
 */

type Decorator = ClassDecorator & MethodDecorator & PropertyDecorator;
type SwaggerModule = Record<string, (...args: any[]) => Decorator>;

let swagger: SwaggerModule | null | undefined;

/** `@nestjs/swagger` when the app has it, else null; resolved once. */
export function loadSwagger(): SwaggerModule | null {
  if (swagger === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      swagger = require('@nestjs/swagger') as SwaggerModule;
    } catch (error) {
      swagger = null;
      // Not installed is the normal case; installed but unloadable would silently drop the docs.
      const code = (error as { code?: string })?.code;
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') {
        new Logger('Payments').warn(`@nestjs/swagger is installed but could not be loaded (${code ?? 'error'}); the payments routes are left out of the OpenAPI document.`);
      }
    }
  }
  return swagger;
}

const noop: Decorator = () => undefined;

function lazy(name: string): (...args: any[]) => Decorator {
  return (...args: any[]) => {
    const decorator = loadSwagger()?.[name];
    return typeof decorator === 'function' ? decorator(...args) : noop;
  };
}

/** Options of a documented property: the OpenAPI schema fields we use. */
export interface DocPropertyOptions {
  description?: string;
  type?: unknown;
  isArray?: boolean;
  enum?: readonly unknown[];
  nullable?: boolean;
  example?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  additionalProperties?: unknown;
  [key: string]: unknown;
}

/** `@ApiProperty` when swagger is installed. */
export const DocProperty: (options?: DocPropertyOptions) => PropertyDecorator = lazy('ApiProperty');
/** `@ApiPropertyOptional` when swagger is installed. */
export const DocOptionalProperty: (options?: DocPropertyOptions) => PropertyDecorator = lazy('ApiPropertyOptional');
/** `@ApiTags` when swagger is installed. */
export const DocTags: (...tags: string[]) => ClassDecorator & MethodDecorator = lazy('ApiTags');
/** `@ApiBearerAuth` when swagger is installed (the scheme the app declares with `addBearerAuth()`). */
export const DocBearerAuth: (name?: string) => ClassDecorator & MethodDecorator = lazy('ApiBearerAuth');
/** `@ApiOperation` when swagger is installed. */
export const DocOperation: (options: { summary: string; description?: string }) => MethodDecorator = lazy('ApiOperation');
/** `@ApiResponse` when swagger is installed. */
export const DocResponse: (options: { status: number; description: string; type?: unknown; schema?: object; isArray?: boolean }) => MethodDecorator & ClassDecorator =
  lazy('ApiResponse');
/** `@ApiHeader` when swagger is installed. */
export const DocHeader: (options: { name: string; description?: string; required?: boolean }) => MethodDecorator = lazy('ApiHeader');
/** `@ApiBody` when swagger is installed. */
export const DocBody: (options: { description?: string; required?: boolean; schema?: object; type?: unknown }) => MethodDecorator = lazy('ApiBody');
/** `@ApiExtraModels` when swagger is installed. */
export const DocExtraModels: (...models: unknown[]) => ClassDecorator = lazy('ApiExtraModels');

/**
 * Documents the error answers of a route: per status, the stable `code`s it may carry, in the body
 * every module error has (`{ statusCode, code, message, ...details }`).
 */
export function DocErrors(errors: Record<number, readonly PaymentsErrorCode[]>): MethodDecorator & ClassDecorator {
  if (!loadSwagger()) return noop;
  const decorators = Object.entries(errors).map(([status, codes]) =>
    DocResponse({
      status: Number(status),
      description: `code: ${codes.join(' | ')}`,
      schema: {
        type: 'object',
        required: ['statusCode', 'code', 'message'],
        properties: {
          statusCode: { type: 'integer', example: Number(status) },
          code: { type: 'string', enum: [...codes] },
          message: { type: 'string' },
        },
      },
    }),
  );
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    for (const decorator of decorators) (decorator as any)(target, key, descriptor);
  };
}

/** The tag every module route is listed under. */
export const PAYMENTS_API_TAG = 'payments';

/** A controller of signed-in routes: tagged, bearer-authenticated (`addBearerAuth()` in the app's DocumentBuilder). */
export const DocAuthenticatedRoutes = (): ClassDecorator => applyDecorators(DocTags(PAYMENTS_API_TAG), DocBearerAuth());

/** A controller of public routes. */
export const DocPublicRoutes = (): ClassDecorator => applyDecorators(DocTags(PAYMENTS_API_TAG));
