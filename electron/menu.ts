/** The application menu: the store (open, new, reveal), the usual edit/view/window menus, and About. */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openStore(): void;
  newStore(): void;
  revealStore(): void;
  about(): void;
}

export interface MenuOptions {
  isMac: boolean;
  /** Developer tools and reload are offered in a checkout only. */
  developer: boolean;
}

export function menuTemplate(actions: MenuActions, options: MenuOptions): MenuItemConstructorOptions[] {
  const about: MenuItemConstructorOptions = { label: 'About mtlab', click: () => actions.about() };
  const storeItems: MenuItemConstructorOptions[] = [
    { label: 'Open Experiment Store…', accelerator: 'CmdOrCtrl+O', click: () => actions.openStore() },
    { label: 'New Experiment Store…', accelerator: 'CmdOrCtrl+Shift+N', click: () => actions.newStore() },
    { type: 'separator' },
    {
      label: options.isMac ? 'Reveal Experiment Store in Finder' : 'Show Experiment Store in Folder',
      click: () => actions.revealStore(),
    },
  ];
  const developerItems: MenuItemConstructorOptions[] = options.developer
    ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }]
    : [];
  return [
    ...(options.isMac
      ? [
          {
            label: 'mtlab',
            submenu: [
              about,
              { type: 'separator' },
              { role: 'services' },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    {
      label: 'File',
      submenu: [...storeItems, { type: 'separator' }, options.isMac ? { role: 'close' } : { role: 'quit' }],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...developerItems,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    ...(options.isMac ? [] : [{ role: 'help', submenu: [about] } satisfies MenuItemConstructorOptions]),
  ];
}
