import { Controller, Get, Header } from '@nestjs/common';
import { CONSOLE_CSS } from './layout.js';
import { WEBAUTHN_SCRIPT } from './webauthn-script.js';

/** The stylesheet and the one script, served from here so that the CSP can forbid inline styles and scripts. */
@Controller('assets')
export class AssetsController {
  @Get('console.css')
  @Header('content-type', 'text/css; charset=utf-8')
  css(): string {
    return CONSOLE_CSS;
  }

  @Get('webauthn.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(): string {
    return WEBAUTHN_SCRIPT;
  }
}
