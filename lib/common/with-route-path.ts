import { Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';

/** A subclass of `controller` served under `path`, so each app can choose the module's route. */
export function withRoutePath<T>(controller: Type<T>, path: string): Type<T> {
  const routed = { [controller.name]: class extends (controller as Type<object>) {} }[controller.name];
  Reflect.defineMetadata(PATH_METADATA, path, routed);
  return routed as Type<T>;
}
