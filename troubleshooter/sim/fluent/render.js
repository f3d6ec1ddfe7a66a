const React = require('react');
const { renderToStaticMarkup } = require('react-dom/server');
const { Persona, PersonaSize, SearchBox, initializeIcons } = require('@fluentui/react');
const { Stylesheet, InjectionMode } = require('@fluentui/merge-styles');
const ss = Stylesheet.getInstance();
ss.setConfig({ injectionMode: InjectionMode.none });
const e = React.createElement;
const out = {
  persona_photo: renderToStaticMarkup(e(Persona, { imageUrl: 'PHOTO_URL', text: 'Adele Vance', secondaryText: 'Retail Manager', size: PersonaSize.size72 })),
  persona_initials: renderToStaticMarkup(e(Persona, { text: 'Diego Siciliani', secondaryText: 'HR Manager', size: PersonaSize.size72 })),
  persona_photo_alt: renderToStaticMarkup(e(Persona, { imageUrl: 'PHOTO_URL', imageAlt: 'Adele Vance', text: 'Adele Vance', size: PersonaSize.size48 })),
  searchbox: renderToStaticMarkup(e(SearchBox, { placeholder: 'Search in SharePoint', ariaLabel: 'Search in SharePoint' })),
};
console.log(JSON.stringify(out, null, 1));
