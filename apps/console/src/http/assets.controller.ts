import { Controller, Get, Header } from '@nestjs/common';
import { CONSOLE_CSS } from './layout.js';

/** The one stylesheet, served from here so that the CSP can forbid inline styles. */
@Controller('assets')
export class AssetsController {
  @Get('console.css')
  @Header('content-type', 'text/css; charset=utf-8')
  css(): string {
    return CONSOLE_CSS;
  }
}
