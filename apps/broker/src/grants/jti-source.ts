import { randomId } from '@countersign/platform/runtime';

/** Random v4 ids for grant jti: a v7 would reveal when the grant was made. */
export class JtiSource {
  next(): string {
    return randomId();
  }
}
